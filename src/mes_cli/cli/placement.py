"""Global options accepted after the command too: ``mes docs list --for Hugo`` means ``mes --for Hugo docs list``.

Click reads an option only at the level that declares it, so a global option typed after the
command was refused with a suggestion of the command's own options ("Possible options: --format"),
which misled. People type global options where they think of them, as with git's ``-C`` or
kubectl's ``-n``; so before click parses, each one found after the command is moved in front of
it — unless that command declares an option of the same name, which then keeps its own meaning.
"""

from __future__ import annotations

NOT_MOVED = ("--help", "-h", "--version")


def hoist_global_options(root, argv: list[str]) -> list[str]:
    """``argv`` with the root's options that follow a command moved to the front; the rest untouched.

    Stops at ``--`` (what follows is data) and at anything it cannot read for sure (an unknown
    option, whose value it could not tell from a word), leaving click to say what is wrong.
    """
    globals_ = {name: param for param in root.params for name in (*param.opts, *param.secondary_opts)
                if name.startswith("-") and name not in NOT_MOVED}
    command, position, hoisted, rest = root, 0, [], list(argv)
    while position < len(rest):
        token = rest[position]
        if token == "--":
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token
        if token.startswith("-") and token != "-":
            own = _option(command, name)
            if own is not None:
                position += 1 + _values_after(own, token)
                continue
            if command is root or name not in globals_:
                break
            taken = 1 + _values_after(globals_[name], token)
            hoisted += rest[position:position + taken]
            del rest[position:position + taken]
            continue
        subcommands = getattr(command, "commands", None)
        if subcommands is not None and token in subcommands:
            command = subcommands[token]
        position += 1
    return hoisted + rest


def _option(command, name: str):
    for param in command.params:
        if name in getattr(param, "opts", ()) or name in getattr(param, "secondary_opts", ()):
            return param
    return None


def _values_after(option, token: str) -> int:
    """How many of the next words are this option's value: none for a flag or ``--name=value``."""
    if getattr(option, "is_flag", False) or getattr(option, "count", False) or "=" in token:
        return 0
    return max(getattr(option, "nargs", 1), 1)
