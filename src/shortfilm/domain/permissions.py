"""Who may do what: the role table every write path checks before it acts.

The role table (:data:`ROLE_TABLE`), as the source workflow's production checklist splits the work:

================================  ============================================================
action                            roles
================================  ============================================================
decide on a board version         owner, writer, visual-operator (the board is the visual team's
                                  work, checked against the writer's story)
decide on a take, select a take   owner, ai-operator, editor (the editor is who has to cut it)
add a reference image to a board  owner, visual-operator (the board is their work; a new
                                  version blocks generation until it is reviewed)
import a take made elsewhere      owner, ai-operator, editor (making takes is the ai-operator's
                                  job; an editor may bring footage the cut needs)
decide on an edit version         owner, editor
approve a final render            owner ("Publish ... Owner approves")
request changes / reject a render owner, editor, growth-operator (whoever ships it may object)
comment                           every role
override a gate                   owner, with a reason
publish                           owner, growth-operator (with an approved final render)
render the edit (draft or final)  owner, editor (the cut is the editor's)
generate takes                    owner, ai-operator (each one is paid for)
manage publishing accounts        owner, growth-operator (routing films to accounts is theirs)
prepare a variant                 owner, growth-operator (the campaign's posts are theirs to shape)
================================  ============================================================

"Owner" is the :class:`~shortfilm.domain.people.Role` of the person acting, not the ``owner``
text of the spec (a name for people, not an account). The local owner at the command line acts as
an owner.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from shortfilm.domain.people import Actor, Role
from shortfilm.errors import PermissionDenied


class Action(StrEnum):
    DECIDE_BOARD = "decide on a board version"
    DECIDE_TAKE = "decide on a take"
    SELECT_TAKE = "select a take"
    DECIDE_EDIT = "decide on an edit version"
    APPROVE_FINAL = "approve a final render"
    OBJECT_FINAL = "request changes to or reject a final render"
    COMMENT = "comment"
    OVERRIDE = "override a checkpoint"
    PUBLISH = "publish"
    ADD_REFERENCE = "add a reference image to the board"
    IMPORT_TAKE = "import a take"
    RENDER = "render the edit"
    GENERATE = "generate takes"
    MANAGE_ACCOUNTS = "manage publishing accounts"
    PREPARE_VARIANT = "prepare a variant"


_EVERYONE = frozenset(Role)

ROLE_TABLE: Mapping[Action, frozenset[Role]] = {
    Action.DECIDE_BOARD: frozenset({Role.OWNER, Role.WRITER, Role.VISUAL_OPERATOR}),
    Action.DECIDE_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
    Action.SELECT_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
    Action.DECIDE_EDIT: frozenset({Role.OWNER, Role.EDITOR}),
    Action.APPROVE_FINAL: frozenset({Role.OWNER}),
    Action.OBJECT_FINAL: frozenset({Role.OWNER, Role.EDITOR, Role.GROWTH_OPERATOR}),
    Action.COMMENT: _EVERYONE,
    Action.OVERRIDE: frozenset({Role.OWNER}),
    Action.PUBLISH: frozenset({Role.OWNER, Role.GROWTH_OPERATOR}),
    Action.ADD_REFERENCE: frozenset({Role.OWNER, Role.VISUAL_OPERATOR}),
    Action.IMPORT_TAKE: frozenset({Role.OWNER, Role.AI_OPERATOR, Role.EDITOR}),
    Action.RENDER: frozenset({Role.OWNER, Role.EDITOR}),
    Action.GENERATE: frozenset({Role.OWNER, Role.AI_OPERATOR}),
    Action.MANAGE_ACCOUNTS: frozenset({Role.OWNER, Role.GROWTH_OPERATOR}),
    Action.PREPARE_VARIANT: frozenset({Role.OWNER, Role.GROWTH_OPERATOR}),
}
"""Which roles may take each action (see the module docstring for why)."""


def roles_for(action: Action) -> tuple[Role, ...]:
    """The roles that may take ``action``, in the :class:`Role` order."""
    return tuple(r for r in Role if r in ROLE_TABLE[action])


def may(role: Role, action: Action) -> bool:
    return role in ROLE_TABLE[action]


def abilities(role: Role) -> dict[str, bool]:
    """Every action by its lower-case name (``decide_take`` ...) and whether ``role`` may take
    it: what a page asks before it offers a form."""
    return {action.name.lower(): may(role, action) for action in Action}


def who_may() -> dict[str, str]:
    """Every action by its lower-case name and the roles that may take it, as words: what a
    page says in place of a form the viewer may not use."""
    return {action.name.lower(): ", ".join(roles_for(action)) for action in Action}


def require(actor: Actor, action: Action) -> None:
    """:class:`PermissionDenied` naming the action and who may, unless ``actor`` may."""
    if not may(actor.role, action):
        roles = tuple(str(r) for r in roles_for(action))
        raise PermissionDenied(
            f"{actor.name} ({actor.role}) may not {action}: only {', '.join(roles)} may",
            action=str(action),
            allowed=roles,
        )
