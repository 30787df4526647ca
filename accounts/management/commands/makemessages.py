"""Django's makemessages, reading the pages' Jinja2 templates with Jinja2's own parser.

Django turns a template into something xgettext reads with its own template language's
rules, which do not know Jinja2's {% trans %} blocks. A template of the Jinja2 engine is
given to xgettext as the calls Jinja2 itself finds in it, each on its template line, so every
message keeps its msgid (a {% trans org=x %}..{{ org }}..{% endtrans %} is "..%(org)s..").
"""

from pathlib import Path

from django.core.management.commands import makemessages
from django.template import engines
from django.utils.functional import cached_property


class BuildFile(makemessages.BuildFile):
    @cached_property
    def is_jinja2(self) -> bool:
        path = Path(self.path).resolve()
        return self.is_templatized and any(
            path.is_relative_to(Path(folder).resolve())
            for folder in engines["jinja2"].template_dirs)

    def preprocess(self):
        if not self.is_jinja2:
            return super().preprocess()
        source = Path(self.path).read_text(encoding="utf-8")
        Path(self.work_path).write_text(gettext_calls(source), encoding="utf-8")


def gettext_calls(source: str) -> str:
    """The template's messages as Python calls, each on the line it has in the template."""
    lines = [""] * (source.count("\n") + 1)
    for lineno, function, message in engines["jinja2"].env.extract_translations(source):
        arguments = message if isinstance(message, tuple) else (message,)
        # An argument that is not a constant (a count, a variable) is None, which xgettext skips.
        lines[lineno - 1] += f"{function}({', '.join(repr(a) for a in arguments)}); "
    return "\n".join(lines)


class Command(makemessages.Command):
    build_file_class = BuildFile
