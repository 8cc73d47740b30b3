"""Near-duplicate detection for instruction-tuning records: shingles, MinHash, LSH, exact check.

The engine calls this in two passes and never re-reads text:

1. Record pass: ``shingles.shingle_hashes_many`` turns texts into sorted arrays of unique 64-bit
   shingle hashes, and ``signatures.signatures`` turns those into MinHash signatures. Both are
   compact numpy arrays (no Python sets).
2. Dataset pass: ``pairs.find_similar_pairs`` bands the signatures, verifies every candidate
   with the exact Jaccard of the shingle arrays, and ``pairs.clusters`` groups the verified pairs.

Speed comes from working on whole chunks of records at once; bench/neardup.py measures it.
"""
