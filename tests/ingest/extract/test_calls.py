"""Calls to the reader closing the main text (subscribe, newsletter, follow us, our app) are
taken out; the article's own sentences about subscriptions, newsletters and social networks,
and anything before the end of the text, are not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.ingest.extract.pages import article_page
from wiredesk.ingest.extract import extract_article
from wiredesk.ingest.extract.calls import call_line, drop_calls

STORY = [
    "The ferry between Lanmouth and the island of Corrin will run twice a day again from Monday, the operator said.",
    "Winter storms had cut the service to one crossing since December, leaving islanders to stay overnight on the mainland.",
    "A second boat, repaired at the yard in Pellow, returns to the route this weekend after sea trials on Friday.",
    "Fares stay the same for now; the operator will review them in the spring with the island council.",
]


def page(end: str = "", start: str = "") -> str:
    return article_page("Corrin ferry back to two crossings", STORY, start=start, end=end)


def extract(html: str):
    return extract_article(html, url="https://lanmouth.example/news/ferry")


def test_calls_closing_the_text_go_and_every_paragraph_stays():
    got = extract(page(end="<p>Subscribe to our morning newsletter for the day's news from the coast.</p>"
                           "<p>Follow us on Instagram and Facebook: @LanmouthPost</p>"))
    assert "newsletter" not in got.text and "Instagram" not in got.text
    for line in STORY:
        assert line in got.text
    assert got.text.endswith(STORY[-1])


def test_a_heading_left_closing_the_text_by_the_calls_goes_with_them():
    got = extract(page(end="<h3>Stay in touch</h3><p>Síguenos en Telegram y en Instagram para recibir nuestras noticias.</p>"))
    assert "Stay in touch" not in got.text and "Telegram" not in got.text
    assert got.text.endswith(STORY[-1])


def test_a_call_before_the_end_of_the_text_stays():
    """Early in the text, a sentence like a call is more likely the article's own."""
    got = extract(page(start="<p>Subscribe to our ferry alerts, the operator now tells travellers on every ticket it sells.</p>"))
    assert "Subscribe to our ferry alerts" in got.text


def test_a_body_of_nothing_but_calls_is_not_emptied():
    got = extract("<html><head><title>Newsletter</title></head><body><article><p>Sign up for our weekly newsletter "
                  "and get the coast's news in your inbox every Friday morning.</p></article></body></html>")
    assert "Sign up for our weekly newsletter" in got.text


@pytest.mark.parametrize("line", [
    "Subscribe now to our print edition for the full story.",
    "Sign up for our newsletter to get the latest news every morning.",
    "Do you want to hear about our work? Sign up here",
    "Never miss a story: subscribe to our daily edition for free.",
    "Follow the Post on Twitter and Instagram @LanmouthPost. Send us your tips on WhatsApp.",
    "Download our app for iOS and Android to get breaking news first.",
    "Abonnieren Sie unseren Newsletter und verpassen Sie nichts mehr.",
    "Wenn Ihnen der Artikel gefallen hat, abonnieren Sie unseren Newsletter.",
    "If you’re already a subscriber, you can log in for immediate access to this story.",
    "Obserwuj nas na Facebooku i subskrybuj nasz kanał.",
    "Assine a nossa newsletter e receba as notícias da semana.",
    "¡Mira lo que tiene nuestro canal de YouTube!",
    "Folgt uns auf Instagram, dort gibt es die neuesten Bilder.",
    "Abonnez-vous à notre lettre d'information.",
    "¿Ya conoces nuestro canal de Telegram? Únete desde tu móvil.",
    "Síguenos en Telegram, Instagram, Facebook y Twitter para recibir todas nuestras actualizaciones.",
    "Puede escribirnos o seguir a la revista en Facebook, o suscribirse a nuestra newsletter.",
    "Iscriviti alla nostra newsletter: ogni settimana le notizie della costa nella tua casella.",
])
def test_call_lines(line):
    assert call_line(line), line


@pytest.mark.parametrize("line", [
    "Netflix lost 200,000 subscribers in the quarter, the company said on Tuesday.",
    "She posted the video on Instagram, where it drew thousands of comments within an hour.",
    "US subscriptions to streaming services fell for the first time since 2019.",
    "“Subscribe to our channel and follow us on Twitter,” the streamer told viewers before the ban.",
    "Die Verlage informierten ihre Abonnenten am Montag per Newsletter über die höheren Preise.",
    "Les abonnés du réseau ont reçu la facture en retard, selon l'opérateur.",
    "El diario perdió suscriptores tras la subida de precios, según su director.",
    "The council will publish the results in its newsletter next month.",
    "Police followed the suspect's posts on Telegram for weeks before the arrest.",
    "The app was downloaded two million times in its first week on iOS and Android, the maker said.",
    # Words that address the reader in one language and not in another, or not always.
    "A plataforma perdeu 200 mil assinantes nos Estados Unidos no último trimestre, segundo a empresa.",
    "O acordo foi assinado nos primeiros dias de março pelos dois governos.",
    "O serviço está disponível nos apps para iOS e Android desde ontem.",
    "In Deutschland verlor der Dienst im Quartal 200.000 Abonnenten. Sie kündigten vor allem wegen der Preise.",
    "Ihr Newsletter erscheint seit 2019 jeden Montag, sagte die Autorin.",
    "La vidéo a été vue deux millions de fois et le compte a gagné 80 000 abonnés, selon nos informations.",
    "La crisis sigue afectando a la seguridad social y a los servicios sociales de nuestro país.",
    "Il video è stato seguito da milioni di persone su TikTok nel nostro Paese.",
    "Residents can sign up for the free flood alerts on the council website, the mayor told us.",
    "The Socialists will now join the Social Democrats in government; our correspondent in Berlin reports.",
    "Die App ist für iOS und Android erhältlich, wie wir berichteten.",
    "'Follow us on Instagram,' the streamer told viewers before the ban.",
    "She has 80,000 followers on TikTok and posts a new video every day.",
    # Long: a paragraph of the article that happens to address its reader.
    "If you are one of the 4,000 islanders who subscribe to the ferry's season ticket, the operator says you will "
    "get a refund for every crossing cancelled since December, paid into the account the ticket was bought with, "
    "once the claims office in Lanmouth has checked the sailing records for each month of the winter timetable.",
])
def test_prose_is_not_a_call_line(line):
    assert not call_line(line), line


PROSE = STORY + [
    "Netflix lost 200,000 subscribers in the quarter, the company said on Tuesday.",
    "She posted the video on Instagram, where it drew thousands of comments within an hour.",
    "A plataforma perdeu 200 mil assinantes nos Estados Unidos no último trimestre, segundo a empresa.",
    "In Deutschland verlor der Dienst im Quartal 200.000 Abonnenten. Sie kündigten vor allem wegen der Preise.",
    "La vidéo a été vue deux millions de fois et le compte a gagné 80 000 abonnés, selon nos informations.",
    "Residents can sign up for the free flood alerts on the council website, the mayor told us.",
    "Die App ist für iOS und Android erhältlich, wie wir berichteten.",
]


@settings(max_examples=60, deadline=None)
@given(paragraphs=st.lists(st.sampled_from(PROSE), min_size=2, max_size=6),
       call=st.sampled_from(["Subscribe to our newsletter.", "Follow us on Instagram.",
                             "Abonnieren Sie unseren Newsletter!", "Síguenos en Twitter.", "Iscriviti alla nostra newsletter."]),
       where=st.integers(min_value=0, max_value=6),
       short=st.sampled_from(["", "<p>Donate</p>", "<p>12 May 2026</p>"]))
def test_only_a_call_closing_the_text_goes_and_no_paragraph_ever_does(paragraphs, call, where, short):
    """Prose about subscribers, apps and networks stays wherever it is; a call goes when only
    calls and short lines follow it, and stays when a paragraph of the article does."""
    where = min(where, len(paragraphs))
    blocks = [f"<p>{p}</p>" for p in paragraphs]
    blocks.insert(where, f"<p>{call}</p>")
    body = etree.fromstring(f"<body>{''.join(blocks)}{short}</body>")
    gone = drop_calls(body)
    kept = [" ".join("".join(p.itertext()).split()) for p in body]
    assert [k for k in kept if k != call and len(k) >= 40] == paragraphs
    closing = where == len(paragraphs)
    assert gone == (1 if closing else 0)
    assert (call in kept) == (not closing)
