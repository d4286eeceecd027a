from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django's documented pattern).

    Empty files pass the form: ``dam.services`` refuses each one by name
    ("x.jpg: the file is empty.") and the rest of the batch is still stored.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)) and data:
            return [single(d, initial) for d in data]
        return [single(data or None, initial)]  # no file at all: "required"


class UploadForm(forms.Form):
    files = MultipleFileField(label="Photos", error_messages={
        "required": "No file arrived: choose at least one photo."})
    title = forms.CharField(
        max_length=255, required=False,
        help_text="Optional; each file's name is used when left empty.",
    )
