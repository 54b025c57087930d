"""cdphub: the platform England's Combating Drugs Partnerships and central government run on."""

__version__ = "0.1.0"
