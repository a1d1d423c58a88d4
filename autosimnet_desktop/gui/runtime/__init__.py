"""What runs behind every screen: the app's pool and tasks, settings, desktop services, thumbnails, drops."""
