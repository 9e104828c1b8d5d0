"""Sources, the records they provide, persons and their names, and places."""
