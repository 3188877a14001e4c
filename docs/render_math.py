"""MkDocs hook: the pages' maths rendered to MathML when the site is built.

``pymdownx.arithmatex`` (generic mode) wraps each formula in ``<span class="arithmatex">\\(...\\)</span>``
or ``<div class="arithmatex">\\[...\\]</div>``; this hook replaces the wrapper by the MathML
that ``latex2mathml`` makes of it. Browsers draw MathML themselves, so the maths shows
without JavaScript and without network (a MathJax from a CDN did neither offline).
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

_FORMULA = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*\\(?P<open>[\(\[])(?P<tex>.*?)\\[\)\]]\s*</(?P=tag)>',
    re.DOTALL,
)


def to_mathml(match: re.Match) -> str:
    """MathML of one arithmatex formula (display maths for ``\\[...\\]``)."""
    tex = html.unescape(match.group("tex")).strip()
    display = "block" if match.group("open") == "[" else "inline"
    return convert(tex, display=display)


def render(page_html: str) -> str:
    """``page_html`` with every arithmatex formula replaced by MathML."""
    return _FORMULA.sub(to_mathml, page_html)


def on_page_content(html, **kwargs):  # noqa: A002 - MkDocs' hook signature
    return render(html)
