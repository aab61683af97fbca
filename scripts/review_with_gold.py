"""Stand-in reviewer for the sample workflow: answer exported review tasks with the corpus's gold.

    python scripts/review_with_gold.py reviews/tasks.jsonl silver/sample reviews/reviewed.jsonl [--drop-first N]

Each Prodigy task (``review export``) gets the gold spans of its document (``doc.spans["gold"]``,
matched by ``meta.doc_id``) as the accepted answer of annotator ``gold``: what a careful person
would return. In a real project a person answers the tasks in Prodigy or Argilla instead.
"""
import argparse
from pathlib import Path

import spacy
import srsly

from spacy_weak.corpora.shards import read_docs
from spacy_weak.review.export import doc_key


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tasks", type=Path)
    ap.add_argument("corpus", type=Path, help="DocBin / folder with the gold spans")
    ap.add_argument("output", type=Path)
    args = ap.parse_args(argv)
    docs = list(read_docs(args.corpus, spacy.blank("en").vocab))
    by_id = {doc_key(d, i): d for i, d in enumerate(docs)}
    out = []
    for task in srsly.read_jsonl(args.tasks):
        doc = by_id[task["meta"]["doc_id"]]
        task = dict(task)
        task["spans"] = [{"start": s.start_char, "end": s.end_char, "label": s.label_}
                         for s in doc.spans.get("gold", [])]
        task["answer"] = "accept"
        task["_annotator_id"] = "gold"
        out.append(task)
    srsly.write_jsonl(args.output, out)
    print(f"Answered {len(out)} tasks with the gold spans: {args.output}")


if __name__ == "__main__":
    main()
