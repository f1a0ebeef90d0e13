"""``openpeel users``: accounts for force users, inspectors and admins."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.output import Format, emit, out

app = typer.Typer(help="Accounts for force users, inspectors and admins.", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        from openpeel.assess.users import UserError

        raise UserError(
            "no terminal to ask for the password on",
            hint="pipe it in with --password-stdin",
        )
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str, typer.Option(help="force, inspector or admin.")],
    force: Annotated[
        str | None, typer.Option(help="A force user's force (name or ONS code).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    home: Home = DEFAULT_HOME,
) -> None:
    """Add an account; the password is asked for (or read with --password-stdin)."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import add_user
    from openpeel.cli.common import store_session as _session

    password = _read_password(password_stdin)
    with _session(home) as session:
        user = add_user(session, name, role, password, current_actor(), force=force)
        out.print(
            f"added {user.role} user {user.name!r}"
            + (f" for {user.force_code}" if user.force_code else "")
        )


@app.command("list")
def users_list(home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table) -> None:
    """The accounts and their roles (never their passwords)."""
    from openpeel.assess.users import list_users
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        emit(
            [
                {
                    "name": u.name,
                    "role": u.role,
                    "force": u.force_code,
                    "created": u.created_at,
                    "disabled": u.disabled_at,
                }
                for u in list_users(session)
            ],
            fmt,
            title="Users",
        )


@app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. a script's name.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Issue an API token for scripts (`Authorization: Bearer TOKEN`); it is shown only once."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import issue_token
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        token = issue_token(session, name, label, current_actor())
    out.print(token)


@app.command("revoke-tokens")
def users_revoke_tokens(
    name: Annotated[str, typer.Argument(help="The user whose tokens stop working.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Revoke every API token of a user."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import revoke_tokens
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        count = revoke_tokens(session, name, current_actor())
    out.print(f"revoked {count} token(s) of {name!r}")


@app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="The account that may no longer sign in.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Disable an account: it cannot sign in, its web sessions end at once and its API tokens
    stop working (until `openpeel users enable`)."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import disable_user
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        user = disable_user(session, name, current_actor())
    out.print(f"disabled {user.name!r}: it cannot sign in, and its sessions have ended")


@app.command("enable")
def users_enable(
    name: Annotated[str, typer.Argument(help="The disabled account.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Let a disabled account sign in again."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import enable_user
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        user = enable_user(session, name, current_actor())
    out.print(f"enabled {user.name!r}: it can sign in again")


@app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="The account whose password is set.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    home: Home = DEFAULT_HOME,
) -> None:
    """Set an account's password (asked for, or read with --password-stdin); its web sessions
    end, so it signs in again with the new one."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import set_password
    from openpeel.cli.common import store_session as _session

    password = _read_password(password_stdin)
    with _session(home) as session:
        user = set_password(session, name, password, current_actor())
    out.print(f"set the password of {user.name!r}; its sessions have ended")


@app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="The account whose role changes.")],
    role: Annotated[str, typer.Option(help="force, inspector or admin.")],
    force: Annotated[
        str | None, typer.Option(help="A force user's force (name or ONS code).")
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Change an account's role (from its next request on)."""
    from openpeel.assess.service import current_actor
    from openpeel.assess.users import set_role
    from openpeel.cli.common import store_session as _session

    with _session(home) as session:
        user = set_role(session, name, role, current_actor(), force=force)
    out.print(
        f"{user.name!r} is now {user.role}" + (f" for {user.force_code}" if user.force_code else "")
    )
