"""Set up a kill test in its own data folder (run in a subprocess, outside pytest's database).

    python -m tests.digest.killsetup RECIPIENTS

Stores a brand with a day's stories through the real pipeline, adds RECIPIENTS confirmed
subscribers, opens today's edition and queues its sending on the broker, then prints the
edition id. No worker runs yet: the task waits on the broker for the test to start one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys


def main(recipients: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
    import django

    django.setup()
    from django.utils import timezone

    from tests.digest.helpers import brand_with_news
    from wiredesk.digest.models import Subscriber
    from wiredesk.digest.services.editions import edition_send_now

    brand = brand_with_news("Kill Test Courier", "kill.test")
    confirmed = timezone.now() - dt.timedelta(hours=1)
    Subscriber.objects.bulk_create(
        Subscriber(brand=brand, email=f"reader{n:05d}@mail.test", status=Subscriber.Status.CONFIRMED,
                   confirmed_at=confirmed, sections=["world", "business"] if n % 3 else ["sports"])
        for n in range(recipients)
    )
    edition, _created = edition_send_now(brand=brand)
    print(edition.pk)


if __name__ == "__main__":
    main(int(sys.argv[1]))
