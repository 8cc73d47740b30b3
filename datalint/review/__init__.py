"""The human review loop: a spot-check sample, the ledger of ratings, a quality model learned from them.

`sample.py` draws the records to review, `ledger.py` reads the review files back, and the quality
model turns rated records into a score: `features.py` (what it looks at), `quality_model.py`
(scoring and the model file, standard library only) and `training.py` (scikit-learn).
"""
