"""Test-only app module: the real app, whose mail worker dies hard (os._exit(3)) once it has
sent EXIT_AFTER_SENT messages, so a test can kill a worker mid-batch at a known point.

    FLASK_APP=tests.killable_worker EXIT_AFTER_SENT=7 python -m flask deliver-mail
"""
import os

from eventapp import create_app
from eventapp.mail.delivery import message_sent

EXIT_AFTER_SENT = int(os.environ["EXIT_AFTER_SENT"])

app = create_app()
sent = 0


@message_sent.connect_via(app)
def exit_hard_after_enough(sender, message_id):
    global sent
    sent += 1
    if sent >= EXIT_AFTER_SENT:
        os._exit(3)  # no cleanup, no commit of anything more: as if the process were killed
