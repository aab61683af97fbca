"""The human in the loop: label-error audit, review export and import, crowd consensus,
the derivation card and drift (see ``docs/review.md``)."""
