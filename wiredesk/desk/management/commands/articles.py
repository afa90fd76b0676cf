"""wiredesk articles kill|unkill REF: take an article off every brand, or bring it back."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from wiredesk.desk.selectors import RefError, article_by_ref
from wiredesk.desk.services.kills import DeskError, article_kill, article_unkill, story_kill


def _who(given: str) -> str:
    if given:
        return given[:150]
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "unknown"
    return f"command line ({user})"[:150]


class Command(BaseCommand):
    help = "Kill an article (with every copy of its text, or its whole story) on every brand, or undo a kill."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        kill = sub.add_parser("kill", help="withdraw an article from every surface; its page answers 410")
        kill.add_argument("ref", help="the article's id or the address of its page on any brand")
        kill.add_argument("--reason", required=True, help="why (kept in the audit log, never shown to readers)")
        kill.add_argument("--story", action="store_true", help="kill every member of the article's story")
        kill.add_argument("--by", default="", help="who asks (default: the command line and the user name)")
        unkill = sub.add_parser("unkill", help="undo the kill that withdrew an article")
        unkill.add_argument("ref", help="the article's id or the address of its page on any brand")
        unkill.add_argument("--reason", default="", help="why (kept in the audit log)")
        unkill.add_argument("--by", default="")

    def handle(self, *args, action: str, ref: str, reason: str, by: str, **opts) -> None:
        try:
            article = article_by_ref(ref=ref)
            if action == "kill":
                if opts.get("story"):
                    if article.story is None:
                        raise DeskError(f"Article {article.id} is in no story; kill it without --story.")
                    takedown = story_kill(story=article.story, reason=reason, by=_who(by))
                else:
                    takedown = article_kill(article=article, reason=reason, by=_who(by))
                count = takedown.articles.count()
                self.stdout.write(f"killed article {article.id}: {article.title}"
                                  + (f" (and {count - 1} more: copies or story members)" if count > 1 else ""))
            else:
                ids = article_unkill(article=article, by=_who(by), reason=reason)
                self.stdout.write(f"brought back article {article.id}: {article.title}"
                                  + (f" (and {len(ids) - 1} more)" if len(ids) > 1 else ""))
        except (RefError, DeskError) as exc:
            raise CommandError(str(exc)) from exc
