"""What CloudFormation receives: the template's concerns, one module each, composed
in composer.py, and the templates derived from it (import, portfolio)."""
