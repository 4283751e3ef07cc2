"""Jigsaw: find children at risk of child sexual exploitation whom no agency has identified yet.

The package is layered (see ``docs/adr/0001-core-free-of-django.md``): ``stats``, ``screening``,
``linkage``, ``catalogue``, ``world``, ``datasets`` and ``report`` import no Django; ``web`` owns
persistence; ``cli`` and ``commands`` sit on top.
"""

__version__ = "0.1.0"
