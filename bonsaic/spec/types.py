"""The checker's types and how messages name them: ``bool``, ``int`` and one type per enum.

A type is a plain string so the checker can compare types with ``==``; an enum's is ``enum `` plus
its label (``enum Mode``, ``enum {a, b}``), which no other type can spell, so an enum named ``int``
is still not ``int``. Kept apart from the checker so the enum rules (what an enum value may meet,
what to suggest instead) read in one place.
"""

from __future__ import annotations

from bonsaic.spec.task import EnumType

BOOL, INT = "bool", "int"
_ENUM = "enum "


def enum_type(enum: EnumType) -> str:
    """The checker's type for values of ``enum``."""
    return _ENUM + enum.label


def is_enum(t: str) -> bool:
    return t.startswith(_ENUM)


def type_name(t: str) -> str:
    """``a bool``, ``an int`` or ``a `Mode` value``, for messages."""
    if is_enum(t):
        return f"a `{t[len(_ENUM):]}` value"
    return "a bool" if t == BOOL else "an int"


def members_text(enum: EnumType) -> str:
    """``the members of `Mode` are a, b and c``."""
    names = [f"`{m}`" for m in enum.members]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the member{'s' if len(names) > 1 else ''} of `{enum.label}` {'are' if len(names) > 1 else 'is'} {listed}"


def mismatch_hint(want: str, got: str, what: str, enums: dict[str, EnumType]) -> str:
    """What to write instead when ``what`` needs a ``want`` but got a ``got``."""
    if is_enum(want):
        return members_text(enums[want])
    if is_enum(got):
        example = enums[got].members[0]
        if want == BOOL:
            return f"compare it with a member, e.g. `== {example}`"
        return (f"enum values are not numbers: compare them with `==`/`!=`, or map them to ints with "
                f"`match`, e.g. `match m {{ {example} => 0, else => 1 }}`")
    hint = "compare it, e.g. `n != 0`" if want == BOOL else "convert with `int(b)`"
    if what in ("`&`", "`|`", "`^`"):
        hint = f"for bools write `and`, `or`, `xor`; to use a bool as 0/1 in {what}, {hint}"
    return hint
