"""junheng (均衡): plan, run and prove balanced, high-quality compulsory education."""

__version__ = "0.2.0"
