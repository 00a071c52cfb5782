"""`python -m zdd`: the same program as the `zdd` console script."""

from zdd.main import main

if __name__ == "__main__":
    main()
