"""Map layers and their front-end assets."""
