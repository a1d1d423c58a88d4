"""Find duplicates: the dialog of look-alike groups and the flow that runs its searches."""
