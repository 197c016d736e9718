"""reviewqa as a tool for AI assistants: an MCP server with review-specific tools.

One definition, `build_server(assistant)`, serves `reviewqa mcp` over stdio (`cmd_mcp`) and
`reviewqa serve` at /mcp over streamable HTTP (`ui.mcp_http`, which adds keys and rate limits).

    tools       ask, search_reviews, film_report, list_films, list_critics, verify_quote
    resources   review://{review_id}, film://{title}

Each tool is one call on the core (`Assistant.ask`, `assistant.lookup`) plus formatting: its
structured content (schemas in `ui.mcp_schema`) and a text for models that read text. An error
a user can act on (an unknown film, an empty question) is a tool error with the CLI's message.

The SDK loads when a server is built, never at import, so `reviewqa --help` stays fast. This
module keeps its annotations unpostponed: the SDK reads the tools' signatures, closures whose
types are imported inside `build_server`.
"""

import argparse
import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant.service import Assistant

__all__ = ["REQUIREMENT", "add_mcp_command", "build_server", "cmd_mcp"]

REQUIREMENT = "mcp>=2.3,<3"
DEFAULT_QUESTION_CHARS = 1000  # as ServerSettings.max_question_chars
MAX_K = 50  # as the CLI and the HTTP API
MAX_LISTED = 500
MAX_QUOTE_CHARS = 2000
DATE = r"^\d{4}-\d{2}-\d{2}$"
T = TypeVar("T")

INSTRUCTIONS = """\
Answers questions about films from what critics wrote, quoting reviews verbatim with citations.
Use `ask` for an answer to a question about a film's reception, its acting, story and so on: it
quotes the reviews it rests on. Use `search_reviews` to find reviews themselves (by meaning, or
by film, critic, outlet, stance and date), `film_report` for a film's reception, `list_films` and
`list_critics` to learn the names the index holds, and `verify_quote` before you attribute a
quote to a critic. Read a review whole as review://{id} and a film's review ids as film://{title}.
"""


def build_server(
    assistant: "Assistant", max_question_chars: int = DEFAULT_QUESTION_CHARS
) -> "MCPServer":
    """The MCP server over `assistant`: its tools and resources, for any transport."""
    import logging

    from index.errors import ConfigError

    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
        from mcp.types import CallToolResult, TextContent, ToolAnnotations
    except ImportError as exc:
        raise ConfigError(
            f"the MCP server needs the mcp package: pip install '{REQUIREMENT}' ({exc})"
        ) from exc

    from pydantic import Field

    from assistant import lookup
    from assistant.questions import checked_question, filters_from
    from index.errors import ReviewQAError, UnknownNameError
    from ui import mcp_format as fmt
    from ui import mcp_schema as out
    from ui.ask import BadValue, date_value

    # argument types several tools share (what their input schemas say of each)
    FilmArg = Annotated[
        str | None,
        Field(max_length=300, description="Only reviews of this film, e.g. 'Her (2013)', 'Her'."),
    ]
    CriticArg = Annotated[
        str | None,
        Field(max_length=200, description="Only this critic's reviews, e.g. 'Rex Reed'."),
    ]
    OutletArg = Annotated[
        str | None,
        Field(max_length=200, description="Only reviews from this outlet, e.g. 'Slate'."),
    ]
    LimitArg = Annotated[int, Field(ge=1, le=MAX_LISTED, description="Most names listed.")]

    root = logging.getLogger()
    kept = (root.level, list(root.handlers))
    server = MCPServer("reviewqa", instructions=INSTRUCTIONS, version="0.1.0")
    # The SDK configures the root logger when a server is made (logging.basicConfig): that is
    # the process's to choose (uvicorn's under `reviewqa serve`), so it is put back.
    root.setLevel(kept[0])
    root.handlers[:] = kept[1]
    read_only = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

    def core(call: Callable[[], T]) -> T:
        """`call()`, its user errors made tool errors with the same message."""
        try:
            return call()
        except (ReviewQAError, BadValue) as exc:
            raise ToolError(str(exc)) from None

    def answer(text: str, data: dict[str, Any]) -> CallToolResult:
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=data
        )

    @server.tool(annotations=read_only, structured_output=True)
    def ask(
        question: Annotated[
            str,
            Field(
                max_length=max_question_chars,
                description="The question, e.g. 'What do critics say about Phoenix in Her?'",
            ),
        ],
        film: FilmArg = None,
        critic: CriticArg = None,
        outlet: OutletArg = None,
        k: Annotated[
            int | None, Field(ge=1, le=MAX_K, description="Most citations (a ceiling).")
        ] = None,
    ) -> Annotated[CallToolResult, out.AskOutput]:
        """Answer a question about films from what critics wrote, quoting the reviews it rests
        on verbatim with numbered citations [n] (each verified against the review) and saying
        how many reviews it covers. Use it for "what do critics think of ...", "who disliked
        ...", "how is the acting in ...". Quote only what its citations hold."""
        asked = core(lambda: checked_question(question, max_question_chars))
        named = filters_from({"film": film, "critic": critic, "outlet": outlet})
        filters = core(lambda: lookup.resolved_filters(assistant, named))
        result = core(lambda: assistant.ask(asked, filters=filters, k=k))
        return answer(fmt.result_text(result), result.to_json())

    @server.tool(annotations=read_only, structured_output=True)
    def search_reviews(
        query: Annotated[
            str | None,
            Field(
                max_length=max_question_chars,
                description="What the reviews should say, e.g. 'the score', 'Phoenix's acting'. "
                "Without it: the newest reviews within the filters.",
            ),
        ] = None,
        film: FilmArg = None,
        critic: CriticArg = None,
        outlet: OutletArg = None,
        sentiment: Annotated[
            Literal["positive", "negative", "unknown"] | None,
            Field(description="Only reviews of this stance ('unknown': no label)."),
        ] = None,
        since: Annotated[
            str | None, Field(pattern=DATE, description="Only reviews dated on/after YYYY-MM-DD.")
        ] = None,
        until: Annotated[
            str | None, Field(pattern=DATE, description="Only reviews dated on/before YYYY-MM-DD.")
        ] = None,
        top_critics: Annotated[bool, Field(description="Only top critics' reviews.")] = False,
        k: Annotated[int, Field(ge=1, le=MAX_K, description="Most reviews returned.")] = 10,
    ) -> Annotated[CallToolResult, out.SearchOutput]:
        """Find reviews: those whose text bears on `query` (by meaning and words), or without
        a query the newest, within the filters. Each comes with its id, film, critic, outlet,
        date, stance and the sentence that matches, with its character span in the review.
        Use it to gather evidence yourself; `ask` writes an answer instead."""
        for day in (since, until):
            if day is not None:
                core(functools.partial(date_value, day))
        if since and until and since > until:
            raise ToolError(
                f"until {until} is before since {since}: no review can match; swap the two dates"
            )
        filters = filters_from(
            {
                "film": film,
                "critic": critic,
                "outlet": outlet,
                "sentiment": sentiment,
                "since": since,
                "until": until,
                "top_critics": top_critics,
            }
        )
        found = core(lambda: lookup.search_reviews(assistant, query or "", filters, k))
        return answer(fmt.search_text(found), found.to_json())

    @server.tool(annotations=read_only, structured_output=True)
    def film_report(
        film: Annotated[
            str, Field(min_length=1, max_length=300, description="The film, e.g. 'Her (2013)'.")
        ],
    ) -> Annotated[CallToolResult, out.FilmReportOutput]:
        """A film's reception: its reviews counted (positive, negative, unlabelled; top
        critics apart), the timeline, the themes critics raise with how each was judged and
        quotes on each side, pull quotes and a consensus, every quote cited. Use it for "how
        was X received" and "how many critics liked ..." before or instead of `ask`."""
        from assistant.reception import reception_report
        from ui.report_render import report_text

        counts = core(lambda: lookup.film_report(assistant, film))
        report = core(lambda: reception_report(assistant, counts.film))
        return answer(
            report_text(report),
            {**counts.to_json(), "line": counts.line(), "reception": report.to_json()},
        )

    @server.tool(annotations=read_only, structured_output=True)
    def list_films(
        prefix: Annotated[
            str | None,
            Field(max_length=300, description="Only titles starting so (case aside), e.g. 'toy'."),
        ] = None,
        limit: LimitArg = 50,
    ) -> Annotated[CallToolResult, out.FilmsOutput]:
        """The films the index holds, by title, with their review counts. Use it to find the
        exact title (and year) of a film before naming it in another tool."""
        films = core(lambda: lookup.list_films(assistant, prefix or "", limit))
        return answer(fmt.films_text(films), films.to_json())

    @server.tool(annotations=read_only, structured_output=True)
    def list_critics(
        film: FilmArg = None,
        limit: LimitArg = 50,
    ) -> Annotated[CallToolResult, out.CriticsOutput]:
        """The named critics who reviewed a film (every film without one), most reviews first.
        Use it to find a critic's name as the index writes it."""
        critics = core(lambda: lookup.list_critics(assistant, film, limit))
        return answer(fmt.critics_text(critics), critics.to_json())

    @server.tool(annotations=read_only, structured_output=True)
    def verify_quote(
        quote: Annotated[
            str,
            Field(max_length=MAX_QUOTE_CHARS, description="The words to look for, verbatim."),
        ],
        review_id: Annotated[
            str | None,
            Field(max_length=200, description="The review to check; without it, every review."),
        ] = None,
    ) -> Annotated[CallToolResult, out.QuoteCheckOutput]:
        """Check that a quote stands verbatim in a review (white space and curly quotes aside;
        '...' skips words), as citations are checked: in the review `review_id`, or without
        one in which reviews. Returns where (character spans). Use it before attributing words
        to a critic; a quote that is not found was not written by them."""
        if not any(ch.isalnum() for ch in quote):
            raise ToolError("quote has no words: give the words to look for")
        checked = core(lambda: lookup.verify_quote(assistant, quote, review_id))
        return answer(fmt.quote_text(checked), checked.to_json())

    @server.resource(
        "review://{review_id}",
        name="review",
        description="One review whole: its text, film, critic, outlet, date, stance and rating.",
        mime_type="application/json",
    )
    def review_resource(review_id: str) -> str:
        try:
            review = lookup.get_review(assistant, review_id)
        except UnknownNameError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        return json.dumps(fmt.review_json(review), ensure_ascii=False)

    @server.resource(
        "film://{title}",
        name="film",
        description=f"A film's review ids (newest first, at most {lookup.FILM_IDS}) and counts.",
        mime_type="application/json",
    )
    def film_resource(title: str) -> str:
        try:
            listing = lookup.film_reviews(assistant, title)
        except UnknownNameError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except ReviewQAError as exc:
            raise ResourceError(str(exc)) from None
        return json.dumps(listing.to_json(), ensure_ascii=False)

    return server


# -- `reviewqa mcp` -----------------------------------------------------------------------
def cmd_mcp(args: argparse.Namespace) -> int:
    """Serve the tools over stdio until the client closes the connection."""
    from assistant.service import Assistant
    from ui.settings import load_settings

    settings = load_settings(home=args.home, engine=args.engine)
    assistant = Assistant(settings)
    cap = settings.server.max_question_chars
    try:
        build_server(assistant, cap).run("stdio")
    finally:
        assistant.close()
    return 0


def add_mcp_command(sub: Any) -> None:
    """Register `reviewqa mcp` on the CLI's subparsers (nothing of the SDK loads here)."""
    from ui.ask import ENGINES

    p = sub.add_parser(
        "mcp",
        help="serve the index to an AI assistant as MCP tools (stdio)",
        description="Serve reviewqa's tools (ask, search_reviews, film_report, list_films, "
        "list_critics, verify_quote) and resources (review://ID, film://TITLE) to an AI "
        "assistant over MCP on stdin/stdout. `reviewqa serve` offers the same at /mcp.",
    )
    p.add_argument("--engine", choices=ENGINES, help="answer engine of the ask tool")
    p.set_defaults(handler=cmd_mcp)
