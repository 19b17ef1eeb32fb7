"""The export's WebVTT: cue text is text, never markup or a timing line."""

from facial_backend.services.export.transcripts import Transcript, as_vtt


def test_cue_text_escapes_ampersand_less_than_and_arrow():
    transcript = Transcript(kind="segment", id="seg_1", text="", segments=[
        {"start": 0.0, "end": 1.5, "text": "Tom & Jerry <b>bold</b>"},
        {"start": 1.5, "end": 3.0, "text": "a --> b\n  &amp; stays  text"}])
    assert as_vtt(transcript) == ("WEBVTT\n\n"
                                  "1\n00:00:00.000 --> 00:00:01.500\nTom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;\n\n"
                                  "2\n00:00:01.500 --> 00:00:03.000\na --&gt; b &amp;amp; stays text\n")


def test_only_timing_lines_hold_the_arrow():
    transcript = Transcript(kind="recording", id="r", text="", segments=[
        {"start": 0.0, "end": 1.0, "text": "-->"}, {"start": 1.0, "end": 2.0, "text": "<c.x>&lt;"}])
    lines = as_vtt(transcript).splitlines()
    assert [line for line in lines if "-->" in line] == ["00:00:00.000 --> 00:00:01.000",
                                                         "00:00:01.000 --> 00:00:02.000"]
    assert lines[4] == "--&gt;" and lines[8] == "&lt;c.x&gt;&amp;lt;"
