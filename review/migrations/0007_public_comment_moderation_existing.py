"""Comments received before moderation existed were already public: they become published, with the masked
text the public has been reading as their public text (and their answers likewise), and get a receipt."""

from django.db import migrations

from review.receipts import new_receipt
from review.redaction import redact


def publish_existing(apps, schema_editor):
    PublicComment = apps.get_model("review", "PublicComment")
    taken = set(PublicComment.objects.exclude(receipt=None).values_list("receipt", flat=True))
    for comment in PublicComment.objects.filter(receipt=None).order_by("pk"):
        terms = (comment.name, comment.contact)
        receipt = new_receipt(comment.submitted_at.date())
        while receipt in taken:
            receipt = new_receipt(comment.submitted_at.date())
        taken.add(receipt)
        comment.receipt = receipt
        comment.moderation = "published"
        comment.published_text = redact(comment.text, extra_terms=terms)
        comment.moderated_at = comment.submitted_at
        if comment.response:
            comment.published_response = redact(comment.response, extra_terms=terms)
            comment.response_published_at = comment.responded_at
        comment.save(
            update_fields=[
                "receipt",
                "moderation",
                "published_text",
                "moderated_at",
                "published_response",
                "response_published_at",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("review", "0006_public_comment_moderation")]

    operations = [migrations.RunPython(publish_existing, migrations.RunPython.noop)]
