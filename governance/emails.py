"""One helper renders every email from a set of templates:
templates/emails/<name>-subject.txt, <name>-body.txt and (optional) <name>-body.html.

The subject and the plain-text body are text, not HTML: they are rendered without autoescaping (a
title "' OR 1=1--" reads as typed, not "&#x27; OR 1=1--"). The HTML body stays autoescaped.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string


def render_text(template_name, context):
    """A text template rendered with autoescaping off (Django's backend template, its own Context)."""
    return get_template(template_name).template.render(Context(context, autoescape=False))


def send_templated_email(name, *, to, context, connection=None):
    subject = " ".join(render_text(f"emails/{name}-subject.txt", context).split())
    text = render_text(f"emails/{name}-body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to,
                                     connection=connection)
    try:
        message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    except TemplateDoesNotExist:
        pass
    message.send()
