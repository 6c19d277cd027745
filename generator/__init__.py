"""emrs-env: the EMR Serverless interactive environment template generator."""

__version__ = "0.1.0"
