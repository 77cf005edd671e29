"""Django's SMTP backend, with a say in the last moment before the server takes a mail.

An SMTP server commits a message when the final "." of its DATA arrives, before it answers:
a sender that dies after sending it cannot know whether the mail went out. Up to that dot it
can: a server discards a DATA that the connection drops before its end. This backend sends
the whole message, then calls its `before_final_dot` (when set), and only then the dot. The
outbox records there that the mail may be out, so that it never sends such a row again on
its own (see werkplek.outbox.deliver).
"""

import smtplib
import socket

from django.core.mail.backends import smtp


class _FinalDotLast:
    """`smtplib.SMTP.data` in two steps; `sendmail` calls it once per message."""

    before_final_dot = None

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        # The final dot is a small write of its own after the mail: with Nagle's algorithm
        # it waits for the server's delayed ACK of the mail (40 ms on Linux), every mail.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def data(self, msg):
        if self.before_final_dot is None:
            return super().data(msg)
        # As smtplib.SMTP.data does it, up to the terminator.
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib.quotedata(msg).encode("ascii")
        else:  # Django's bytes: lines end in CRLF already, only leading dots are doubled
            msg = smtplib._quote_periods(msg)
        if msg[-2:] != smtplib.bCRLF:
            msg += smtplib.bCRLF
        self.send(msg)
        try:
            self.before_final_dot()
        except BaseException:
            # The DATA stays unterminated: the server drops the message with the connection.
            self.close()
            raise
        self.send(b"." + smtplib.bCRLF)
        return self.getreply()


class _SMTP(_FinalDotLast, smtplib.SMTP):
    pass


class _SMTP_SSL(_FinalDotLast, smtplib.SMTP_SSL):  # noqa: N801 (smtplib's name)
    pass


class EmailBackend(smtp.EmailBackend):
    """Set `before_final_dot` to a callable to have it called for each mail once the server
    has all of it but the final dot. When it raises, the dot is not sent and the connection
    is closed: that mail does not go out."""

    before_final_dot = None

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def _send(self, email_message):
        self.connection.before_final_dot = self.before_final_dot
        return super()._send(email_message)
