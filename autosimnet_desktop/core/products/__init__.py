"""Products: grouping photos into products, the shop's product file, and how photo distances make a product score."""
