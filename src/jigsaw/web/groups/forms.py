"""The mentions part of a concern (and of a return interview): a fixed number of optional rows of
each kind, so the form works without JavaScript. A row left empty is ignored; a row in use
needs how it is known, and a person's sex, ethnicity and nationality are a value, "Refused" or
"Not known", never blank."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms

from jigsaw.web.groups.models import GroupSettings, HowKnown, MentionKind

#: Rows of each kind on the form: enough for one concern; more can go on the next concern.
ROWS = {"person": 2, "vehicle": 2, "phone": 2, "online": 2, "place": 2}

NOT_KNOWN = "Not known"
REFUSED = "Refused"
SEX_CHOICES = [(NOT_KNOWN, NOT_KNOWN), (REFUSED, REFUSED), ("Female", "Female"), ("Male", "Male")]
# The 2021 census categories of England and Wales (ONS), with "Refused" and "Not known".
ETHNICITIES = [
    "Asian or Asian British: Bangladeshi",
    "Asian or Asian British: Chinese",
    "Asian or Asian British: Indian",
    "Asian or Asian British: Pakistani",
    "Asian or Asian British: any other Asian background",
    "Black, Black British, Caribbean or African: African",
    "Black, Black British, Caribbean or African: Caribbean",
    "Black, Black British, Caribbean or African: any other Black background",
    "Mixed or multiple: White and Asian",
    "Mixed or multiple: White and Black African",
    "Mixed or multiple: White and Black Caribbean",
    "Mixed or multiple: any other mixed background",
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Irish",
    "White: Gypsy or Irish Traveller",
    "White: Roma",
    "White: any other White background",
    "Other ethnic group: Arab",
    "Other ethnic group: any other ethnic group",
]
ETHNICITY_CHOICES = [(NOT_KNOWN, NOT_KNOWN), (REFUSED, REFUSED)] + [(e, e) for e in ETHNICITIES]
REGISTRATION_CHOICES = [
    ("full", "The full registration"),
    ("starts", "Only its start"),
    ("ends", "Only its end"),
]
PLATFORM_CHOICES = [
    (p, p)
    for p in (
        "Snapchat",
        "Instagram",
        "TikTok",
        "Facebook",
        "WhatsApp",
        "Telegram",
        "X",
        "Discord",
        "Other",
    )
]
HOW_CHOICES = [("", "Select how it is known"), *HowKnown.choices]

# kind -> (field name, label, field, identifying: a row is in use when one of these is filled)


def _text() -> forms.CharField:
    return forms.CharField(required=False, max_length=200)


def _fields(kind: str) -> list[tuple[str, str, forms.Field, bool]]:
    if kind == "person":
        return [
            ("name", "Name", _text(), True),
            ("nickname", "Nickname or alias", _text(), True),
            (
                "age",
                "Approximate age",
                forms.IntegerField(required=False, min_value=10, max_value=99),
                False,
            ),
            ("description", "Description", _text(), True),
            ("sex", "Sex", forms.ChoiceField(choices=SEX_CHOICES, required=False), False),
            (
                "ethnicity",
                "Ethnicity",
                forms.ChoiceField(choices=ETHNICITY_CHOICES, required=False),
                False,
            ),
            ("nationality", "Nationality", _text(), False),
        ]
    if kind == "vehicle":
        return [
            ("registration", "Registration", forms.CharField(required=False, max_length=12), True),
            (
                "part",
                "Is that the full registration?",
                forms.ChoiceField(choices=REGISTRATION_CHOICES, required=False),
                False,
            ),
            ("make", "Make and model", _text(), True),
            ("colour", "Colour", forms.CharField(required=False, max_length=40), False),
        ]
    if kind == "phone":
        return [("number", "Phone number", forms.CharField(required=False, max_length=30), True)]
    if kind == "online":
        return [
            (
                "platform",
                "Platform",
                forms.ChoiceField(choices=PLATFORM_CHOICES, required=False),
                False,
            ),
            ("handle", "Username or handle", forms.CharField(required=False, max_length=80), True),
        ]
    return [
        ("address", "Address or postcode, or the place's name", _text(), True),
    ]


_COMMON = [
    ("how_known", "How is this known?", forms.ChoiceField(choices=HOW_CHOICES, required=False)),
    (
        "known_on",
        "Date (if not the date seen)",
        forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]),
    ),
]


@dataclasses.dataclass(frozen=True)
class MentionInput:
    """One row as recorded: its kind, the text the engine reads, the fields, how and when known."""

    kind: str
    value: str
    details: dict[str, Any]
    how_known: str
    known_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class Row:
    kind: str
    number: int
    fields: list[tuple[forms.BoundField, str]]

    @property
    def legend(self) -> str:
        return f"{MentionKind(self.kind).label} {self.number}"


def field_name(kind: str, number: int, name: str) -> str:
    return f"m-{kind}-{number}-{name}"


class MentionsForm(forms.Form):
    """The mention rows of one concern; :meth:`mentions` gives the rows in use once valid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, rows in ROWS.items():
            for number in range(1, rows + 1):
                for name, label, field, _ in _fields(kind):
                    field.label = label
                    self.fields[field_name(kind, number, name)] = field
                for name, label, field in _COMMON:
                    copy = field.__class__(**_kwargs(field))
                    copy.label = label
                    self.fields[field_name(kind, number, name)] = copy
        for number in range(1, ROWS["person"] + 1):
            for name in ("sex", "ethnicity", "nationality"):
                self.fields[field_name("person", number, name)].initial = NOT_KNOWN
        for number in range(1, ROWS["vehicle"] + 1):
            self.fields[field_name("vehicle", number, "part")].initial = "full"
        for number in range(1, ROWS["online"] + 1):
            self.fields[field_name("online", number, "platform")].initial = "Snapchat"

    @property
    def has_values(self) -> bool:
        """Whether any row holds something identifying (sent, or kept from a draft): the
        fieldset is then shown open."""

        def value(name: str) -> object:
            if self.is_bound:
                return self.data.get(self.add_prefix(name))
            return self.initial.get(name)

        return any(
            str(value(field_name(kind, number, name)) or "").strip()
            for kind, rows in ROWS.items()
            for number in range(1, rows + 1)
            for name, _, _, identifying in _fields(kind)
            if identifying
        )

    def rows(self) -> list[Row]:
        out = []
        for kind, rows in ROWS.items():
            for number in range(1, rows + 1):
                names = [n for n, *_ in _fields(kind)] + [n for n, *_ in _COMMON]
                out.append(
                    Row(kind, number, [(self[field_name(kind, number, n)], n) for n in names])
                )
        return out

    def _in_use(self, kind: str, number: int) -> bool:
        data = self.cleaned_data
        return any(
            data.get(field_name(kind, number, name)) not in (None, "")
            for name, _, _, identifying in _fields(kind)
            if identifying
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for kind, rows in ROWS.items():
            for number in range(1, rows + 1):
                if not self._in_use(kind, number):
                    continue
                label = f"{MentionKind(kind).label.lower()} {number}"

                needed = [("how_known", f"Select how {label} is known")]
                if kind == "person":
                    if not data.get(field_name(kind, number, "nickname")):
                        needed.append(("name", f"Give a name or nickname for {label}"))
                    needed += [
                        (name, f"Give {label}'s {name}, or Refused, or Not known")
                        for name in ("sex", "ethnicity", "nationality")
                    ]
                if kind == "vehicle":
                    needed.append(
                        (
                            "registration",
                            f"Give {label}'s registration, or the part of it that is known",
                        )
                    )
                for name, message in needed:
                    key = field_name(kind, number, name)
                    if key not in self.errors and data.get(key) in (None, ""):
                        self.add_error(key, message)
        return data

    def mentions(self) -> list[MentionInput]:
        """The rows in use, each with the text :mod:`jigsaw.connect` reads."""
        out = []
        data = self.cleaned_data
        for kind, rows in ROWS.items():
            for number in range(1, rows + 1):
                if not self._in_use(kind, number):
                    continue

                def get(name: str, kind: str = kind, number: int = number) -> Any:
                    value = data.get(field_name(kind, number, name))
                    return value.strip() if isinstance(value, str) else value

                details = {
                    name: get(name) for name, *_ in _fields(kind) if get(name) not in (None, "")
                }
                out.append(
                    MentionInput(
                        kind=kind,
                        value=mention_value(kind, details),
                        details=details,
                        how_known=get("how_known"),
                        known_on=get("known_on"),
                    )
                )
        return out


def _kwargs(field: forms.Field) -> dict[str, Any]:
    if isinstance(field, forms.ChoiceField):
        return {"choices": field.choices, "required": False}
    if isinstance(field, forms.DateField):
        return {"required": False, "input_formats": field.input_formats}
    return {"required": False}


def mention_value(kind: str, details: dict[str, Any]) -> str:
    """The text :mod:`jigsaw.connect` reads for a mention recorded as ``details``.

    >>> mention_value("person", {"name": "Tariq Hussain", "nickname": "Taz", "age": 30})
    'Tariq Hussain "Taz", about 30'
    >>> mention_value("vehicle", {"registration": "YK19", "part": "starts", "make": "Astra"})
    'Astra reg starts YK19'
    >>> mention_value("online", {"platform": "Snapchat", "handle": "@taz_99"})
    'Snapchat @taz_99'
    """
    if kind == "person":
        parts = [details.get("name", "")]
        if details.get("nickname"):
            parts.append(f'"{details["nickname"]}"')
        text = " ".join(p for p in parts if p)
        return f"{text}, about {details['age']}" if details.get("age") else text
    if kind == "vehicle":
        registration = details.get("registration", "")
        part = details.get("part", "full")
        plate = {"starts": f"reg starts {registration}", "ends": f"reg ending {registration}"}.get(
            part, registration
        )
        return " ".join(p for p in (details.get("colour"), details.get("make"), plate) if p)
    if kind == "phone":
        return str(details["number"])
    if kind == "online":
        platform = details.get("platform", "")
        return f"{'' if platform == 'Other' else platform} {details['handle']}".strip()
    return str(details["address"])


def interview_mentions_forms(
    episodes: Sequence[Any], data: Any = None, posted: str = ""
) -> dict[int, MentionsForm]:
    """One mentions form per missing episode of a child's page (the posted one bound), each
    with its own prefix so that their fields never share an id."""
    return {
        e.pk: MentionsForm(data if str(e.pk) == posted else None, prefix=f"rhi{e.pk}")
        for e in episodes
    }


class GroupRulesForm(forms.ModelForm):
    """The partnership lead's group rules; the bounds are the model's validators (one home)."""

    class Meta:
        model = GroupSettings
        fields = ["size_threshold", "review_days"]
        error_messages = {
            "size_threshold": {
                "required": "Give the number of children at which a group is reviewed",
                "invalid": "Give the number of children as a whole number",
                "min_value": "A group needs at least %(limit_value)s children",
                "max_value": "Give at most %(limit_value)s children",
            },
            "review_days": {
                "required": "Give the working days the MASH has to review a group",
                "invalid": "Give the working days as a whole number",
                "min_value": "Give at least %(limit_value)s working day",
                "max_value": "Give at most %(limit_value)s working days",
            },
        }


class DesignateForm(forms.Form):
    """Make one of the area's police accounts its SPOC (the choices are the accounts that may)."""

    # The error summary links to the select's id, which carries the form's prefix.
    anchors = {"user": "spoc-user"}

    user = forms.TypedChoiceField(
        coerce=int, error_messages={"required": "Select the police account to designate"}
    )

    def __init__(self, *args: Any, candidates: Sequence[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast("forms.TypedChoiceField", self.fields["user"])
        field.choices = [("", "Select an account"), *candidates]
        field.error_messages["invalid_choice"] = "Select one of the police accounts listed"


class CheckForm(forms.Form):
    """The SPOC's record of a police check."""

    note = forms.CharField(
        max_length=4000,
        error_messages={"required": "Say what was checked and what was found"},
    )
