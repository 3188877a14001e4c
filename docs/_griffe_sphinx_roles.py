"""Griffe extension: skflowad's docstrings as the API pages need them.

Two things happen when the API pages are built; the docstrings in the code stay as they
are, for ``help()`` and IDEs:

* a detector's docstring holds ``%(common)s`` and ``%(name)r`` slots that
  ``fill_parameters_doc`` fills at import time from the signature; the filled text is taken
  from the imported class;
* the little reStructuredText the docstrings use (``:math:`...```, ``:func:`...``` and its
  siblings, ``::`` before a literal block, ``.. [1]`` citations) is rewritten as Markdown.
"""

from __future__ import annotations

import inspect
import re

import griffe

_MATH = re.compile(r":math:`([^`]+)`")
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|obj):`~?([^`]+)`")
_LITERAL = re.compile(r"(?<=\S)::$", re.MULTILINE)
_CITATION = re.compile(r"^(\s*)\.\. \[(\w+)\]", re.MULTILINE)


def _short_name(match: re.Match) -> str:
    target = match.group(1)
    return f"`{target.rsplit('.', 1)[-1] if match.group(0).count('~') else target}`"


def to_markdown(text: str) -> str:
    """Rewrite the reStructuredText constructs the docstrings use as Markdown."""
    text = _MATH.sub(lambda m: f"${m.group(1)}$", text)
    text = _ROLE.sub(_short_name, text)
    text = _LITERAL.sub(":", text)
    return _CITATION.sub(r"\1[\2]", text)


class SphinxRoles(griffe.Extension):
    """Rewrite each docstring once the object tree is built."""

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None:
            return
        if "%(" in obj.docstring.value:  # filled by fill_parameters_doc at import time
            obj.docstring.value = inspect.cleandoc(griffe.dynamic_import(obj.path).__doc__)
        obj.docstring.value = to_markdown(obj.docstring.value)
