"""A rendered email and its bytes for SMTP, written directly in the one shape we send.

The shape is Flask-Mail's: multipart/mixed holding a multipart/alternative (plain text, then
HTML) and then any attachments, with the same headers. Flask-Mail builds it with the email
package's policy machinery, which parsed and refolded every header again and cost more than
rendering and sending together (about 2 ms a message, issue 16); here the headers are
encoded once as Flask-Mail encodes them and the parts are joined as text.
tests/services/test_mail_batch.py holds this writer to the email package's result.
"""
import functools
import random
import re
import socket
import sys
import time
from base64 import encodebytes
from dataclasses import dataclass, field
from email.header import Header
from email.utils import encode_rfc2231, formatdate, make_msgid

from flask_mail import sanitize_address

CRLF = "\r\n"
_LINE_END = re.compile(r"\r\n|\r|\n")
_BOUNDARY_WIDTH = len(repr(sys.maxsize - 1))
# An ASCII address without a name, quotes or comments.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


@dataclass
class Attachment:
    filename: str
    content_type: str  # with its parameters: "text/calendar; charset=utf-8; method=REQUEST"
    data: bytes


@dataclass
class Email:
    """What build_message renders: the fields Flask-Mail's Message had, and its bytes."""

    subject: str
    recipients: list
    body: str
    html: str
    sender: str
    reply_to: str | None = None
    extra_headers: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)

    def attach(self, filename, content_type, data):
        self.attachments.append(Attachment(filename, content_type, data))

    def as_bytes(self, now=None):
        """The message as sent over SMTP (CRLF line ends, 8-bit text parts)."""
        given = [self.subject, self.sender, self.reply_to or "", *self.recipients,
                 *self.extra_headers.values()]
        if any("\n" in value or "\r" in value for value in given):
            # Flask-Mail refused these too (BadHeaderError): a header cannot hold a line break.
            raise ValueError("a line break in a header")
        headers = [
            ("Subject", _subject(self.subject)),
            ("From", _address(self.sender)),
            ("To", ", ".join(_address(r) for r in dict.fromkeys(self.recipients))),
            ("Date", _date(int(now or time.time()))),
            ("Message-ID", make_msgid(domain=_fqdn())),
        ]
        if self.reply_to:
            headers.append(("Reply-To", _address(self.reply_to)))
        headers.extend(self.extra_headers.items())
        texts = (self.body or "", self.html or "")
        alternative = _boundary(texts)
        parts = [_multipart("alternative", alternative, [
            _text_part("plain", self.body or ""), _text_part("html", self.html or "")])]
        parts.extend(_attachment_part(attachment) for attachment in self.attachments)
        mixed = _boundary(texts)
        top = "".join(f"{name}: {value}{CRLF}" for name, value in headers)
        message = (f'Content-Type: multipart/mixed; boundary="{mixed}"{CRLF}'
                   f"MIME-Version: 1.0{CRLF}{top}{CRLF}" + _body_of_parts(mixed, parts))
        return message.encode("utf-8")

    def envelope(self):
        """(MAIL FROM, RCPT TO) as Flask-Mail gave them to smtplib: a Unicode domain in IDNA."""
        return _address(self.sender), [_address(r) for r in dict.fromkeys(self.recipients)]


@functools.lru_cache(maxsize=256)  # a reminder's subject is often the same for everyone
def _subject(subject):
    try:
        subject.encode("ascii")
    except UnicodeEncodeError:
        return Header(subject, "utf-8", header_name="Subject").encode(linesep=CRLF)
    return Header(subject, "us-ascii", header_name="Subject").encode(linesep=CRLF)


def _address(address):
    if _PLAIN_ADDRESS.fullmatch(address):
        return address  # what sanitize_address gives for it too, at a tenth of the cost
    return _named_address(address)


@functools.lru_cache(maxsize=256)
def _named_address(address):
    return sanitize_address(address)


@functools.lru_cache(maxsize=4)  # a batch goes out within a few seconds
def _date(second):
    return formatdate(second, localtime=True)


@functools.lru_cache(maxsize=1)
def _fqdn():
    # make_msgid() asks the resolver for this name for every message otherwise.
    return socket.getfqdn()


def _boundary(texts):
    while True:
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_WIDTH}d}" + "=="
        if not any(boundary in text for text in texts):
            return boundary


def _lines(text):
    if "\r" not in text:
        # The common case, the same result: a regular expression split and join took several
        # times as long on a reminder's HTML (issue 16).
        return text.replace("\n", CRLF)
    return CRLF.join(_LINE_END.split(text))


def _text_part(subtype, text):
    encoding = "7bit" if text.isascii() else "8bit"  # isascii: no copy of the text made
    return (f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}MIME-Version: 1.0{CRLF}'
            f"Content-Transfer-Encoding: {encoding}{CRLF}{CRLF}{_lines(text)}")


def _multipart(subtype, boundary, parts):
    return (f'Content-Type: multipart/{subtype};{CRLF} boundary="{boundary}"{CRLF}'
            f"MIME-Version: 1.0{CRLF}{CRLF}" + _body_of_parts(boundary, parts))


def _body_of_parts(boundary, parts):
    inner = "".join(f"{CRLF}--{boundary}{CRLF}{part}" for part in parts)
    return f"{inner.removeprefix(CRLF)}{CRLF}--{boundary}--{CRLF}"


def _attachment_part(attachment):
    data = attachment.data
    if isinstance(data, str):
        data = data.encode("utf-8")
    filename = attachment.filename
    try:
        filename.encode("ascii")
        disposition = f'attachment; filename="{filename}"'
    except UnicodeEncodeError:
        disposition = f"attachment; filename*={encode_rfc2231(filename, 'utf-8')}"
    return (f"Content-Type: {attachment.content_type}{CRLF}MIME-Version: 1.0{CRLF}"
            f"Content-Transfer-Encoding: base64{CRLF}Content-Disposition: {disposition}{CRLF}"
            f"{CRLF}{_lines(encodebytes(data).decode('ascii'))}")
