"""The release version of Huying: the one place it is written (see CHANGELOG.md)."""

VERSION = "0.2.0"
