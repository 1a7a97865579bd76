"""IAM: a miniature archive set in the exact upstream layout goes through the real parse path."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.data.miniature_archives import (
    IAM_FORM_SIZE,
    FileServer,
    MiniForm,
    default_iam_forms,
    iam_form_png,
    iam_form_xml,
    serve_files,
    write_iam_official,
    write_tgz,
)
from text_recognizer.data.iam import prepare_iam
from text_recognizer.data.iam_forms import IamForm, IamLine, parse_form_xml
from text_recognizer.data.iam_splits import writer_splits
from text_recognizer.data.manifest import read_manifest
from text_recognizer.errors import DataSetLayoutError
from text_recognizer.io import sha256_file

SPLITS = {"trainset": ["a01-000u"], "testset": ["b02-010"], "validationset1": ["c03-020x"]}


@pytest.fixture(scope="module")
def iam_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official downloads (xml.tgz, formsA-D.tgz, task zip) of three forms."""
    raw = tmp_path_factory.mktemp("iam") / "raw"
    return write_iam_official(raw, default_iam_forms(), SPLITS)


@pytest.fixture(scope="module")
def iam_lines(iam_raw: Path, tmp_path_factory: pytest.TempPathFactory):
    return prepare_iam(iam_raw, tmp_path_factory.mktemp("out") / "lines", kind="lines")


def test_form_xml_gives_writer_size_and_entity_decoded_line_texts() -> None:
    form = parse_form_xml(iam_form_xml(default_iam_forms()[0]))
    assert (form.id, form.writer, (form.width, form.height)) == ("a01-000u", "000", IAM_FORM_SIZE)
    assert [line.text for line in form.lines] == [
        'A MOVE to stop "Mr. Gaitskell"',
        "from nominating & more",
    ]
    assert [line.id for line in form.lines] == ["a01-000u-00", "a01-000u-01"]


def test_line_box_is_the_union_of_its_components() -> None:
    mini = default_iam_forms()[0]
    form = parse_form_xml(iam_form_xml(mini))
    first_word, last_word = mini.lines[0].words[0][1], mini.lines[0].words[-1][1]
    x0, y0 = first_word[0], first_word[1]
    x1 = last_word[0] + 3 * (last_word[2] // 3)  # three cmp boxes of width // 3 per word
    assert form.lines[0].box == (x0, y0, x1, y0 + first_word[3])


def test_doubly_escaped_entities_are_decoded() -> None:
    xml = iam_form_xml(MiniForm("a01-001", "7", [])).replace(
        b"<handwritten-part>",
        b'<handwritten-part><line id="a01-001-00" text="&amp;quot;Hi&amp;quot;">'
        b'<word id="w" text="Hi"><cmp x="1" y="2" width="3" height="4"/></word></line>',
    )
    assert parse_form_xml(xml).lines[0].text == '"Hi"'


def test_entity_declarations_are_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><form id="x" writer-id="1"/>'
    with pytest.raises(DataSetLayoutError, match="entity"):
        parse_form_xml(xml)


def test_malformed_xml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a01-000u.xml"
    path.write_bytes(b"<form id='a01-000u'")
    with pytest.raises(DataSetLayoutError, match="a01-000u.xml: not well-formed"):
        parse_form_xml(path)


def test_lines_manifest_has_one_record_per_in_vocabulary_line(iam_lines) -> None:
    assert sorted(r.id for r in iam_lines.records) == [
        "a01-000u-00",
        "a01-000u-01",
        "b02-010-00",
        "c03-020x-00",
        "c03-020x-01",
    ]
    assert all(r.source == "iam" for r in iam_lines.records)
    assert read_manifest(iam_lines.root).records == iam_lines.records


def test_out_of_vocabulary_line_is_skipped_and_its_characters_counted(iam_lines) -> None:
    skipped = iam_lines.metadata["skipped"]
    assert skipped["out_of_vocabulary"] == 1
    assert skipped["unknown_characters"] == {"é": 1, "ï": 1}


def test_split_and_writer_come_from_the_task_files_and_the_form(iam_lines) -> None:
    by_id = {r.id: r for r in iam_lines.records}
    assert (by_id["a01-000u-00"].split, by_id["a01-000u-00"].writer) == ("train", "000")
    assert (by_id["b02-010-00"].split, by_id["b02-010-00"].writer) == ("test", "111")
    assert (by_id["c03-020x-01"].split, by_id["c03-020x-01"].writer) == ("val", "222")


def test_line_crops_hold_the_line_ink_at_half_resolution(iam_lines) -> None:
    record = next(r for r in iam_lines.records if r.id == "a01-000u-00")
    path = iam_lines.image_path(record)
    image = np.asarray(Image.open(path))
    assert (image.shape[1], image.shape[0]) == (record.width, record.height)
    assert record.sha256 == sha256_file(path)
    assert 40 <= record.height <= 50  # 60 px ink + 2 x 16 px padding, halved (then clipped)
    assert (image < 60).mean() > 0.01  # the stroke through every component is there
    assert image[:, :3].min() > 200  # padding at the left edge is paper


def test_line_crop_excludes_the_neighbouring_line(iam_lines) -> None:
    record = next(r for r in iam_lines.records if r.id == "c03-020x-00")
    image = np.asarray(Image.open(iam_lines.image_path(record)))
    assert image[-1].min() > 200  # bottom row: paper, not the next line's stroke


def test_paragraphs_join_lines_with_newlines(iam_raw: Path, tmp_path: Path) -> None:
    manifest = prepare_iam(iam_raw, tmp_path / "paragraphs", kind="paragraphs")
    by_id = {r.id: r for r in manifest.records}
    assert sorted(by_id) == ["a01-000u", "c03-020x"]  # b02-010 has an out-of-vocabulary line
    assert by_id["c03-020x"].text == "be made at a meeting\nof M Ps."
    assert manifest.kind == "paragraphs"
    record = by_id["a01-000u"]
    image = np.asarray(Image.open(manifest.image_path(record)))
    assert image.max() == 255 and image.min() < 60
    first, last = default_iam_forms()[0].lines[0].words[0][1], default_iam_forms()[0].lines[-1]
    ink_top, ink_bottom = first[1], last.words[0][1][1] + last.words[0][1][3]
    # The handwritten part plus 32 px padding, at half resolution: the printed prompt is out.
    assert record.height == (ink_bottom - ink_top + 2 * 32) // 2


def test_half_size_jpeg_forms_of_the_fsdl_mirror_crop_the_same_region(
    iam_raw: Path, tmp_path: Path
) -> None:
    forms = default_iam_forms()[:1]
    with zipfile.ZipFile(tmp_path / "iamdb.zip", "w") as bundle:
        bundle.writestr("iamdb/xml/a01-000u.xml", iam_form_xml(forms[0]))
        bundle.writestr("iamdb/forms/a01-000u.jpg", iam_form_png(forms[0], 0.5, "JPEG"))
        for name in ("trainset", "validationset1", "validationset2", "testset"):
            bundle.writestr(f"iamdb/task/{name}.txt", "a01-000u-00\n" if name == "testset" else "")
    manifest = prepare_iam(tmp_path, tmp_path / "out", kind="lines")
    reference = prepare_iam(iam_raw, tmp_path / "ref", kind="lines")
    mirror = {r.id: r for r in manifest.records}["a01-000u-00"]
    official = {r.id: r for r in reference.records}["a01-000u-00"]
    assert (mirror.width, mirror.height) == (official.width, official.height)
    assert mirror.split == "test"


def test_missing_task_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "xml").mkdir()
    (tmp_path / "xml" / "a01-000u.xml").write_bytes(iam_form_xml(default_iam_forms()[0]))
    with pytest.raises(DataSetLayoutError, match="testset.txt.*TextLineRecognitionTask.zip"):
        prepare_iam(tmp_path, tmp_path / "out")


def test_folder_without_xml_says_what_to_put_there(tmp_path: Path) -> None:
    with pytest.raises(DataSetLayoutError, match="no IAM form XML"):
        prepare_iam(tmp_path, tmp_path / "out")


def test_writer_listed_in_two_sets_goes_to_the_more_held_out_one() -> None:
    forms = [IamForm(f, "w1", 1, 1, (IamLine(f"{f}-00", "x", (0, 0, 1, 1)),)) for f in ("a", "b")]
    splits, conflicts = writer_splits(forms, {"trainset.txt": ["a-00"], "testset.txt": ["b-00"]})
    assert splits == {"w1": "test"} and conflicts == ["w1"]


def test_writer_in_no_task_file_is_trained_on(tmp_path: Path) -> None:
    raw = write_iam_official(tmp_path / "raw", default_iam_forms(), {"testset": ["b02-010"]})
    manifest = prepare_iam(raw, tmp_path / "out")
    assert {r.split for r in manifest.records if r.writer in ("000", "222")} == {"train"}


def test_cli_prepares_iam_lines(iam_raw: Path, tmp_path: Path) -> None:
    from text_recognizer.cli import main

    assert (
        main(["data", "prepare", "iam", "--raw", str(iam_raw), "--out", str(tmp_path / "o")]) == 0
    )
    assert len(read_manifest(tmp_path / "o").records) == 5


def test_cli_download_iam_without_credentials_explains_registration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from text_recognizer.cli import main

    monkeypatch.delenv("IAM_USERNAME", raising=False)
    monkeypatch.delenv("IAM_PASSWORD", raising=False)
    assert main(["data", "download", "iam", "--dir", str(tmp_path)]) == 2
    assert "IAM_USERNAME" in capsys.readouterr().err


def test_lines_tgz_images_stand_in_for_missing_form_scans(tmp_path: Path) -> None:
    forms = default_iam_forms()[2:]
    raw = write_iam_official(tmp_path / "raw", forms, {"testset": ["c03-020x"]})
    (raw / "formsA-D.tgz").unlink()
    line_png = Image.new("L", (300, 80), 255)
    buffer = io.BytesIO()
    line_png.save(buffer, format="PNG")
    write_tgz(
        raw / "lines.tgz",
        [(f"c03/c03-020x/c03-020x-0{n}.png", buffer.getvalue()) for n in range(2)],
    )
    manifest = prepare_iam(raw, tmp_path / "out", kind="lines")
    assert [(r.id, r.width, r.height) for r in manifest.records] == [
        ("c03-020x-00", 150, 40),
        ("c03-020x-01", 150, 40),
    ]


def test_form_without_any_image_is_counted_as_missing(tmp_path: Path) -> None:
    raw = write_iam_official(tmp_path / "raw", default_iam_forms(), {"testset": ["b02-010"]})
    with tarfile.open(raw / "formsA-D.tgz", "w:gz") as bundle:  # only a01-000u's scan
        data = iam_form_png(default_iam_forms()[0])
        info = tarfile.TarInfo("a01-000u.png")
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    manifest = prepare_iam(raw, tmp_path / "out", kind="paragraphs")
    assert [r.id for r in manifest.records] == ["a01-000u"]
    assert manifest.metadata["skipped"]["missing_form_image"] == 2


def test_cli_downloads_an_iam_archive_from_url_then_prepares_it(tmp_path: Path) -> None:
    from text_recognizer.cli import main

    form = default_iam_forms()[0]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("iamdb/xml/a01-000u.xml", iam_form_xml(form))
        bundle.writestr("iamdb/forms/a01-000u.jpg", iam_form_png(form, 0.5, "JPEG"))
        for name in ("trainset", "validationset1", "validationset2", "testset"):
            bundle.writestr(f"iamdb/task/{name}.txt", "")
    server = FileServer(files={"iam/iamdb.zip": archive.getvalue()})
    for running in serve_files(server):
        url = running.url("iam/iamdb.zip")
        assert main(["data", "download", "iam", "--dir", str(tmp_path / "raw"), "--url", url]) == 0
    assert (tmp_path / "raw" / "iamdb.zip").read_bytes() == archive.getvalue()
    raw, out = str(tmp_path / "raw"), str(tmp_path / "out")
    assert main(["data", "prepare", "iam", "--raw", raw, "--out", out, "--kind", "paragraphs"]) == 0
    assert [r.id for r in read_manifest(out).records] == ["a01-000u"]


def test_half_extracted_staging_folder_of_a_killed_run_is_ignored(tmp_path: Path) -> None:
    raw = write_iam_official(tmp_path / "raw", default_iam_forms(), {"testset": ["b02-010"]})
    stale = raw / "extracted" / ".xml.k3j2.extracting"
    stale.mkdir(parents=True)
    (stale / "d04-111.xml").write_bytes(b"<form id='d04-111' writer-id='9'><handwritten")
    manifest = prepare_iam(raw, tmp_path / "out")
    assert {r.id.rsplit("-", 1)[0] for r in manifest.records} == {"a01-000u", "c03-020x", "b02-010"}


def test_component_with_a_non_integer_coordinate_is_named() -> None:
    xml = iam_form_xml(default_iam_forms()[0]).replace(b'x="400"', b'x="4OO"', 1)
    with pytest.raises(DataSetLayoutError, match="<cmp> attribute x='4OO' is not an integer"):
        parse_form_xml(xml)


@pytest.mark.data
@pytest.mark.slow  # also slow, so the offline fast lane (-m "not slow") never needs the network
def test_real_task_split_files_list_the_published_line_counts(tmp_path: Path) -> None:
    """The official split (no account needed): 6161 / 900 / 940 / 1861 lines."""
    from text_recognizer.data.archive import extract_archive
    from text_recognizer.data.download import download
    from text_recognizer.data.iam_download import IAM_TASK_FILE
    from text_recognizer.data.iam_splits import read_split_file

    archive = download(IAM_TASK_FILE.url, tmp_path / IAM_TASK_FILE.filename)
    folder = extract_archive(archive, tmp_path / "task")
    counts = {p.name: len(read_split_file(p)) for p in folder.rglob("*.txt")}
    assert counts == {
        "trainset.txt": 6161,
        "validationset1.txt": 900,
        "validationset2.txt": 940,
        "testset.txt": 1861,
    }
