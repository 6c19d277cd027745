"""The commands that talk to AWS, one module each, over one shared layer.

`session` makes the clients (with botocore's standard retry mode) and turns every
AWS error into one line; no command handles AWS errors on its own. No template
concern imports this package.
"""
