"""`python -m tkeras script.py [args ...]` runs a Keras 2 script on tkeras."""
import sys

from tkeras._runner import main

if __name__ == "__main__":
    sys.exit(main())
