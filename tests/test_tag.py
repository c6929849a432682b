"""The tag stage: tables with offsets into the text, robust to hostile text, loadable model."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from pipeline.parallel import ParallelSettings
from pipeline.schemas import conform
from pipeline.tag import TagSettings, tag, tag_corpus

HOSTILE = {
    "empty": "",
    "long": ("The representative of Brazil urged States to mark firearms. " * 900)[:50_000],
    "control": "Ghost guns\x00and\x07 \x1b[31m 3D-printed\x0cfirearms were\x08 discussed.",
    "rtl": "ممثل البرازيل دعا الدول إلى وسم الأسلحة النارية. The Chair thanked them.",
    "cjk": "代表发言。He recommended that States destroy seized weapons (art. 6).",
    "emoji": "🔫🔫 ghost guns 🔫 " * 50,
    "markup": "<script>alert(1)</script> He urged States to act.",
}


def paragraphs(texts: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "doc_id": "d",
                "para_no": i,
                "section": "I. A",
                "subsection": None,
                "text": t,
                "page_start": 1,
                "page_end": 1,
            }
            for i, t in enumerate(texts.values(), start=1)
        ]
    )


def test_tag_never_crashes_and_offsets_point_into_the_text(nlp):
    paras = paragraphs(HOSTILE)
    tables = tag(paras, {"d": "firearms"}, nlp, TagSettings())
    texts = dict(zip(paras["para_no"], paras["text"], strict=True))
    for table in ("tags", "recommendations"):
        conform(tables[table], table)  # the declared schema holds
        for row in tables[table].itertuples():
            text = texts[row.para_no]
            assert 0 <= row.start < row.end <= len(text)
    tags = tables["tags"]
    for row in tags.itertuples():
        assert texts[row.para_no][row.start : row.end] == row.evidence
    assert {"ghost_guns", "3d_printing"} <= set(tags[tags["para_no"] == 3]["label"])
    assert (tables["recommendations"]["para_no"] == 5).any()  # CJK before an English sentence


def test_tag_rules_name_what_produced_each_tag(nlp):
    tables = tag(
        paragraphs({"x": "The representative of INTERPOL urged States to use iARMS."}),
        {"d": "firearms"},
        nlp,
        TagSettings(),
    )
    tags = tables["tags"].set_index("kind")
    assert tags.loc["org", "rule"] == "gazetteer/organizations/INTERPOL"
    assert tables["recommendations"].iloc[0]["rule"] == "recommendation/urge"


def two_documents() -> pd.DataFrame:
    """Document a ends on an INTERPOL speaker; document b opens by continuing a statement."""
    a = paragraphs({"1": "The representative of INTERPOL presented the iARMS database."})
    b = paragraphs({"1": "She further recommended that States mark firearms at import."})
    return pd.concat([a.assign(doc_id="a"), b.assign(doc_id="b")], ignore_index=True)


def test_tag_a_speaker_never_crosses_into_the_next_document(nlp):
    # the reproduction of issue 16: b's "She" has no earlier speaker in b, so the floor's
    recs = tag(two_documents(), {"a": "firearms", "b": "firearms"}, nlp, TagSettings())[
        "recommendations"
    ]
    assert recs.set_index("doc_id").loc["b", "by"] == "participant"


def test_tag_two_documents_in_one_call_or_two_give_identical_rows(nlp):
    paras, groups = two_documents(), {"a": "firearms", "b": "firearms"}
    together = tag(paras, groups, nlp, TagSettings())
    for name in ("tags", "recommendations"):
        apart = pd.concat(
            [tag(paras[paras["doc_id"] == d], groups, nlp, TagSettings())[name] for d in "ab"],
            ignore_index=True,
        )
        pd.testing.assert_frame_equal(together[name], apart, check_dtype=False)
    backwards = tag(paras.iloc[::-1], groups, nlp, TagSettings())["recommendations"]
    pd.testing.assert_frame_equal(
        backwards.sort_values("doc_id", ignore_index=True), together["recommendations"]
    )


def cache_line(caplog, stage: str) -> str:
    """The cache's own account of the last run of `stage`: documents reused, processed."""
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(f"{stage}: ")]
    caplog.clear()
    return lines[-1]


def test_tag_corpus_reuses_cached_documents(nlp, tagger_dir, tmp_path, caplog):
    caplog.set_level("INFO", logger="crp")
    paras = pd.concat(
        [
            paragraphs({"a": "He urged States to act."}).assign(doc_id="a"),
            paragraphs({"b": "Ghost guns."}).assign(doc_id="b"),
        ]
    )
    docs = pd.DataFrame({"doc_id": ["a", "b"], "working_group": ["firearms", None]})
    settings, parallel = TagSettings(), ParallelSettings(backend="sequential")
    first = tag_corpus(paras, docs, tagger_dir, settings, parallel, tmp_path / "cache")
    assert cache_line(caplog, "tag") == "tag: 0 document(s) from the cache, 2 processed"
    assert len(list((tmp_path / "cache").iterdir())) == 2
    again = tag_corpus(paras, docs, tagger_dir, settings, parallel, tmp_path / "cache")
    assert cache_line(caplog, "tag") == "tag: 2 document(s) from the cache, 0 processed"
    pd.testing.assert_frame_equal(first["tags"], again["tags"], check_dtype=False)
    changed = paras.assign(text=paras["text"].where(paras["doc_id"] == "a", "Craft production."))
    edited = tag_corpus(changed, docs, tagger_dir, settings, parallel, tmp_path / "cache")
    assert cache_line(caplog, "tag") == "tag: 1 document(s) from the cache, 1 processed"
    assert "craft_production" in set(edited["tags"]["label"])  # b's new text, tagged afresh
    pd.testing.assert_frame_equal(  # a's rows, from the cache, as before
        edited["tags"][edited["tags"]["doc_id"] == "a"].reset_index(drop=True),
        first["tags"][first["tags"]["doc_id"] == "a"].reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.slow
def test_spacy_load_works_without_importing_the_pipeline(tagger_dir):
    code = textwrap.dedent(f"""
        import spacy
        nlp = spacy.load({str(tagger_dir)!r})
        doc = nlp("One speaker encouraged UNODC to develop a typology of diversion.")
        print(nlp.pipe_names, [s.label_ for s in doc.spans["speakers"]])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "crp_resolver" in proc.stdout and "'participant'" in proc.stdout


@pytest.mark.slow
def test_the_tagger_loads_without_torch_and_torch_still_imports_afterwards(tagger_dir):
    script = textwrap.dedent(
        f"""
        import sys
        from pipeline.tag import load_tagger
        nlp = load_tagger({str(tagger_dir)!r})
        assert "torch" not in sys.modules, "spaCy pulled in torch"
        assert nlp("States should mark firearms.")._.recommendations
        import torch
        print(torch.__version__)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("bad", [{"batch_size": 0}, {"max_chars": 10}])
def test_tag_settings_validate_themselves(bad):
    with pytest.raises(ValueError):
        TagSettings(**bad)


def test_sentence_vectors_are_those_of_the_texts_the_theme_decision_reads(nlp, tagger_dir):
    from pipeline.tag import clean_text, sentence_vectors
    from pipeline.tagging import paragraph_doc
    from pipeline.themes.evidence import from_doc, texts_to_embed
    from pipeline.vectors import Encoder
    from pipeline.vectors.models import HashingModel

    paras = paragraphs(HOSTILE | {"two": "States should act.  The Chair agreed (art. 5).\n"})
    settings = TagSettings()
    [vectors] = sentence_vectors(tagger_dir, [paras], settings, Encoder(HashingModel()))
    docs = nlp.pipe(paragraph_doc(nlp, clean_text(t, settings.max_chars), "d") for t in paras.text)
    assert set(vectors) == set(texts_to_embed([from_doc(d) for d in docs]))
