"""What a participant reads for each domain error code (the pages show these, never the code)."""
from flask_babel import lazy_gettext as _l

from ..domain import errors

MESSAGES = {
    errors.SignupClosed.code: _l("Sign-up for this event is closed."),
    errors.SignupNotOpenYet.code: _l("Sign-up for this event has not opened yet."),
    errors.ChangesClosed.code: _l("Changes can no longer be made to this registration."),
    errors.AlreadyRegistered.code: _l("This email address is already registered for the event."),
    errors.SessionFull.code: _l("This session is full and has no waiting list. Choose another one."),
    errors.InvalidChoice.code: _l("Choose one of the sessions offered."),
    errors.RegistrationCancelled.code: _l("This registration has been cancelled."),
    errors.RegistrationAnonymised.code: _l("The personal details of this registration have "
                                           "been removed after the event. It can no longer "
                                           "be changed."),
}
