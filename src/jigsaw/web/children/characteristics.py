"""A child's recorded ethnicity and disability (the answers of :mod:`jigsaw.characteristics`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jigsaw.characteristics import (
    DISABILITY_ANSWERS,
    ETHNICITY_ANSWERS,
    NOT_ASKED,
)
from jigsaw.web.children.models import Child

__all__ = ["child_characteristics_record"]


def child_characteristics_record(*, child: Child, ethnicity: str, disability: str) -> Child:
    """Keep the answers given where the child has none yet ("not asked"); return the child.

    An answer already recorded (by the practitioner who first recorded the child, or a refusal)
    is never overwritten by a later record's: the first answer given stands, and "not asked"
    never replaces one. Each answer is one conditional update, so two practitioners recording
    the same child at once cannot both write.

    Raises
    ------
    ValidationError
        An answer that is not one of :data:`~jigsaw.characteristics.ETHNICITY_ANSWERS` or
        :data:`~jigsaw.characteristics.DISABILITY_ANSWERS`.
    """
    for field, value, answers in (
        ("ethnicity", ethnicity, ETHNICITY_ANSWERS),
        ("disability", disability, DISABILITY_ANSWERS),
    ):
        if value not in answers:
            raise ValidationError({field: f"{value!r} is not one of the recorded answers"})
        if value != NOT_ASKED:
            Child.objects.filter(pk=child.pk, **{field: NOT_ASKED}).update(**{field: value})
    child.refresh_from_db(fields=["ethnicity", "disability"])
    return child
