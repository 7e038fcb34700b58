"""trustwatch: watches what is said to and about a school trust's schools on social media."""

__version__ = "0.1.0"
