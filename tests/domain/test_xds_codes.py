"""The XDS codes `mes export` writes: format codes agree with the ANS examples, own files' types file back
where the person had them."""

from __future__ import annotations

import pytest

from mes_cli.domain import xds_codes
from mes_cli.domain.categories import CATEGORIES
from mes_cli.domain.cda import parse_cda
from mes_cli.domain.xdm import XdmArchive
from support.ans import ans_archives

# The example predates ASS_A11 5.0.0, which maps its template (…1.1.1.12.3) to urn:asip:ci-sis:obp-sne:2023.
OLDER_CODES = {"urn:asip:ci-sis:sne:2012"}


@pytest.mark.parametrize("path", ans_archives(), ids=lambda p: p.stem)
def test_the_format_code_of_each_ans_example_is_computed_from_its_templates(path):
    with XdmArchive(path) as archive:
        document = archive.documents()[0]
        cda = parse_cda(archive.read(document, 10_000_000))
    expected = document.entry.format_code.code
    computed = xds_codes.cda_format_code(cda.template_ids, cda.embedded.media_type if cda.embedded else None)
    assert computed.code == expected or expected in OLDER_CODES
    assert computed.scheme in {"1.2.250.1.213.1.1.4.2.282", "1.3.6.1.4.1.19376.1.2.3"} and computed.display


def test_a_persons_file_of_each_category_has_a_type_that_files_it_back_there():
    assert xds_codes.categories_round_trip() == {category: category for category in CATEGORIES}
    for category in CATEGORIES:
        code = xds_codes.own_file_type_code(category)
        assert code.scheme and code.display
        assert xds_codes.class_code(code.code, category).display


def test_confidentiality_and_the_hidden_flag():
    plain = xds_codes.confidentiality(None, hidden=False)
    assert [c.code for c in plain] == ["N"] and not xds_codes.is_hidden(plain)
    hidden = xds_codes.confidentiality("r", hidden=True)
    assert [(c.code, c.scheme) for c in hidden] == [("R", "2.16.840.1.113883.5.25"),
                                                     ("MASQUE_PS", "1.2.250.1.213.1.1.4.13")]
    assert xds_codes.is_hidden(hidden)
    assert xds_codes.cda_format_code(("1.2.3.4",), None).code == "urn:asipSante:modelesHorsProfils:2011"
