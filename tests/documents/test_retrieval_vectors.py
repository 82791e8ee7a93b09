"""doc_vectors in a real SQLite file: saving, what is left to embed, and the cached matrix that
must notice every change (including chunk ids reused after a file is read again)."""

from __future__ import annotations

import numpy as np

from app.store import Store
from app.store import doc_vectors as dv
from tests.documents.retrieval_rows import add_collection, add_file, delete_file


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_vectors_round_trip_as_float32_little_endian(store):
    cid = add_file(store, add_collection(store), "/d/a.txt", ["alpha"])[0]
    assert dv.save_vectors(store, "m", [(cid, unit(1, 2, 2))]) == 1
    (dim, blob) = store.db.execute("SELECT dim, vector FROM doc_vectors").fetchone()
    assert dim == 3 and len(blob) == 12
    assert np.allclose(dv.from_blob(blob), [1 / 3, 2 / 3, 2 / 3])


def test_pending_chunks_are_those_without_a_vector_for_that_model(store):
    col = add_collection(store)
    ids = add_file(store, col, "/d/a.txt", ["one", "two", "three"])
    add_file(store, col, "/d/broken.pdf", ["never read"], state="error")
    dv.save_vectors(store, "m", [(ids[0], unit(1, 0))])
    dv.save_vectors(store, "other", [(ids[1], unit(1, 0))])
    assert dv.pending_chunks(store, "m") == [(ids[1], "two"), (ids[2], "three")]
    assert dv.pending_chunks(store, "m", after=ids[1]) == [(ids[2], "three")]
    assert dv.count_pending(store, "m") == 2 and dv.count_vectors(store, "m") == 1
    assert dv.save_vectors(store, "m", [(999, unit(1, 0))]) == 0  # a chunk deleted meanwhile


def test_search_is_nearest_first_within_the_collections_asked(store):
    notes, taxes = add_collection(store, "Notes"), add_collection(store, "Taxes")
    a, b = add_file(store, notes, "/n.txt", ["north", "east"])
    (c,) = add_file(store, taxes, "/t.txt", ["north-east"])
    dv.save_vectors(store, "m", [(a, unit(1, 0)), (b, unit(0, 1)), (c, unit(1, 1))])
    query = unit(1, 0.1)
    assert [i for i, _ in dv.vector_search(store, "m", query)] == [a, c, b]
    assert [i for i, _ in dv.vector_search(store, "m", query, collection_ids=[taxes])] == [c]
    assert dv.vector_search(store, "m", query, collection_ids=[]) == []
    assert dv.vector_search(store, "m", query, limit=1)[0][0] == a
    assert dv.vector_search(store, "unknown", query) == []
    score = dv.vector_search(store, "m", query)[0][1]
    assert abs(score - float(unit(1, 0.1) @ unit(1, 0))) < 1e-6


def test_the_cached_matrix_follows_deletes_and_reused_ids(store):
    col = add_collection(store)
    (old,) = add_file(store, col, "/d/a.txt", ["old text"])
    dv.save_vectors(store, "m", [(old, unit(1, 0))])
    assert dv.vector_search(store, "m", unit(1, 0))[0][0] == old
    # The file is read again: its chunk goes (and its vector, by trigger); SQLite hands the same
    # id to the new chunk, whose vector points elsewhere. The cache must not keep the old row.
    delete_file(store, "/d/a.txt")
    assert dv.vector_search(store, "m", unit(1, 0)) == []
    (new,) = add_file(store, col, "/d/a.txt", ["new text"])
    assert new == old
    dv.save_vectors(store, "m", [(new, unit(0, 1))])
    (hit,) = dv.vector_search(store, "m", unit(0, 1))
    assert hit[0] == new and hit[1] > 0.99


def test_a_commit_by_another_connection_is_noticed(store, tmp_path):
    col = add_collection(store)
    (a,) = add_file(store, col, "/d/a.txt", ["text"])
    dv.save_vectors(store, "m", [(a, unit(1, 0))])
    assert len(dv.vector_search(store, "m", unit(1, 0))) == 1
    other = Store(store.path)  # another process: `hearth docs` while the window is open
    try:
        with other.db.conn:
            other.db.execute("DELETE FROM doc_vectors")
    finally:
        other.close()
    assert dv.vector_search(store, "m", unit(1, 0)) == []


def test_files_no_longer_readable_drop_out(store):
    col = add_collection(store)
    (a,) = add_file(store, col, "/d/a.txt", ["text"])
    dv.save_vectors(store, "m", [(a, unit(1, 0))])
    assert len(dv.vector_search(store, "m", unit(1, 0))) == 1
    with store.db.conn:
        store.db.execute("UPDATE doc_files SET state = 'missing'")
    assert dv.vector_search(store, "m", unit(1, 0)) == []


def test_vectors_saved_after_a_search_join_the_cached_matrix(store):
    """While chunks are embedded in the background, each batch joins the matrix in place; the
    result is what reading everything again gives."""
    col = add_collection(store)
    a, b, c = add_file(store, col, "/d/a.txt", ["a", "b", "c"])
    dv.save_vectors(store, "m", [(a, unit(1, 0, 0))])
    assert [i for i, _ in dv.vector_search(store, "m", unit(0, 1, 0))] == [a]
    dv.save_vectors(store, "m", [(b, unit(0, 1, 0)), (a, unit(0, 0, 1))])  # a replaced
    dv.save_vectors(store, "m", [(c, unit(0, 1, 1)), (999, unit(1, 0, 0))])  # 999: no chunk
    kept = dv._matrices[store]["m"]
    assert dv.vector_search(store, "m", unit(0, 1, 0))[0][0] == b
    assert dv._matrices[store]["m"] is kept  # not read again
    in_place = dv.vector_search(store, "m", unit(0, 0, 1))
    dv._matrices.clear()
    assert dv.vector_search(store, "m", unit(0, 0, 1)) == in_place
    assert [i for i, _ in in_place] == [a, c, b]
