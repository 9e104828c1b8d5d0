"""Evidence files: encrypted at rest, hashed for fixity, with a chain of custody."""
