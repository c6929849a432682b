"""Seed the catalogue of known asks, pipeline/taxonomy/asks.yaml, from the development gold.

    python benchmarks/seed_asks.py [--gold data/gold] [--out pipeline/taxonomy/asks.yaml]
    python benchmarks/seed_asks.py --append   # add sessions the catalogue does not hold yet

One ask per cluster id of data/gold/CLUSTERS.md: its definition is the line there (without
"first used"), its label the short phrase in LABELS below (verb + object, written from the
definition), and its examples every gold recommendation with that `cluster`, each with the
document and paragraph it came from, its gold addressee and the themes the tagger finds
inside the sentence (the themes a new recommendation gets from `tag`). An ask's `themes`
are those carried by at least half of its examples, its `addressee` the most frequent
`to`. The YAML written is the artefact: an analyst edits it afterwards; rerunning this
script overwrites it. With `--append`, the catalogue is kept as it is (comments, edits,
order) and only the gold sessions it does not list under `documents` are added: their
recommendations become examples of the asks they make, and a cluster id the catalogue
does not hold yet becomes a new ask at the end, in the order of CLUSTERS.md.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from common import ROOT

from pipeline.knowledge.taxonomy import load_taxonomy

CLUSTER_LINE = re.compile(r"^- `(?P<id>[a-z0-9_]+)` — (?P<text>.*?)\s*\(first used: [^)]*\)\s*$")

# Short labels a reader understands, written from CLUSTERS.md's definitions.
LABELS = {
    "strict_regulation_close_loopholes": "Adopt strict firearms regulation that closes loopholes",
    "clarify_definitions_align_national_law": "Clarify Protocol definitions and align national law",
    "close_definition_loopholes_parts_kits": (
        "Bring unfinished parts and kits under firearm definitions"
    ),
    "mark_register_parts_components": "Mark and register essential parts and components",
    "wg_take_up_illicit_manufacturing": "Put illicit manufacturing on the Working Group's agenda",
    "develop_illicit_manufacturing_typology": "Develop a typology of illicit manufacturing",
    "develop_impact_indicators": "Develop indicators of the Protocol's impact",
    "include_civil_society_firearms_policy": "Include civil society in national firearms policy",
    "establish_specialized_firearms_bodies": "Establish specialized firearms bodies",
    "multi_stakeholder_partnerships": "Build partnerships against trafficking networks",
    "detail_protocol_provisions_new_technologies": (
        "Detail the Protocol's provisions for new technologies"
    ),
    "update_legislative_guide_model_law": "Update the Legislative Guide and Model Law",
    "engage_private_sector": "Engage the private sector",
    "improve_firearms_data_sdg_16_4": "Improve data on illicit arms flows (SDG 16.4)",
    "complement_data_with_civil_society_research": (
        "Complement national data with civil society research"
    ),
    "holistic_instrument_synergies": "Implement the arms control instruments together",
    "cross_forum_standing_agenda_items": "Add standing agenda items on the other arms fora",
    "address_firearms_vienna_fora": "Address firearms in the Vienna crime prevention fora",
    "involve_civil_society_national_review": "Involve civil society in national reviews",
    "enable_ngo_participation_information_training": (
        "Enable NGO participation in the review mechanism"
    ),
    "regular_unodc_engagement_local_csos": "Engage local civil society organizations regularly",
    "continue_ngo_participation_constructive_dialogues": (
        "Continue NGO participation in the dialogues"
    ),
    "build_trust_government_civil_society": "Build trust between governments and civil society",
    "promote_universalization": "Promote ratification of the Protocol",
    "involve_parliamentarians_review": "Involve parliamentarians in the review",
    "mainstream_gender": "Mainstream gender in firearms policy",
    "include_underrepresented_groups_fora": "Include women, youth and LGBTIQ+ persons in fora",
    "include_youth": "Include youth as experts in international fora",
    "research_organized_crime_linkages": "Research the links with other organized crime",
    "joint_constructive_dialogue_crime_linkages": (
        "Hold a joint dialogue on organized crime linkages"
    ),
    "publish_review_documents": "Publish review documents",
    "strengthen_marking_record_keeping": "Strengthen firearms marking and record-keeping",
    "strengthen_tracing_cooperation": "Strengthen international tracing cooperation",
    "destroy_collected_weapons_promptly": "Destroy collected weapons promptly",
    "secure_stockpiles_prevent_diversion": "Secure stockpiles against diversion",
    "develop_diversion_typology": "Develop a typology of firearms diversion",
    "train_justice_practitioners": "Train law enforcement and justice practitioners",
    "regulate_craft_production": "Regulate craft production with adapted rules",
    "address_root_causes": "Address root causes and drivers",
    "counter_online_misuse": "Counter criminal misuse of online platforms",
    "robust_deactivation_standards": "Adopt robust deactivation standards",
    "improve_smuggling_data_evidence": "Improve data on migrant smuggling",
    "human_rights_based_approach": "Apply a human rights-based approach",
    "develop_online_smuggling_typology": "Develop a typology of online smuggling",
    "wg_consider_dialogue_outcomes": "Consider dialogue summaries at the Working Group",
    "evaluate_prevention_programmes": "Evaluate prevention programmes independently",
    "protect_from_retaliation": "Protect witnesses and NGO staff from retaliation",
    "resource_border_communities": "Fund border communities and local services",
    "apply_non_punishment_principle": "Apply the non-punishment principle to victims",
    "supply_chain_due_diligence": "Require due diligence against forced labour in supply chains",
    "survivor_informed_policy": "Involve survivors in anti-trafficking policy",
    "victim_compensation_confiscated_assets": "Compensate victims from confiscated assets",
    "victim_identification_referral": "Identify victims proactively and refer them",
    "regulate_recruitment_agencies_fees": "Regulate recruitment agencies and end worker-paid fees",
    "comprehensive_victim_assistance": "Provide unconditional long-term victim assistance",
    "compile_technology_tools_inventory": "Compile an inventory of anti-trafficking technology",
    "child_sensitive_protection": "Protect child victims in a child-sensitive way",
    "improve_trafficking_data_evidence": "Improve data on trafficking in persons",
    "formalize_state_ngo_cooperation": "Formalize cooperation between States and NGOs",
    "wg_take_up_corruption_trafficking": "Devote a session to corruption and trafficking",
    "review_progress_indicators": "Develop indicators of the review's progress",
    "bilateral_regional_agreements": "Conclude bilateral and regional migration agreements",
    "search_and_rescue_disembarkation": "Share search and rescue and ensure safe disembarkation",
    "financial_investigations_follow_money": "Run parallel financial investigations",
    "smuggling_financial_risk_indicators": "Develop financial risk indicators of smuggling",
    "prosecute_aggravated_smuggling": "Apply aggravating circumstances to dangerous smuggling",
    "civil_society_evidence_for_review": "Share civil society evidence ahead of reviews",
    "share_trafficking_methods_information": "Exchange information on traffickers' methods",
    "expedite_mla_electronic_evidence": "Expedite legal assistance on electronic evidence",
    "rights_safeguards_anti_trafficking_technology": (
        "Assess the rights impact of detection technology"
    ),
    "digital_literacy_prevention": "Teach digital literacy to prevent trafficking",
    "trauma_informed_justice_procedures": "Make justice procedures trauma-informed",
    "residence_permits_reflection_period": "Grant victims reflection periods and residence permits",
    "worker_voice_enforceable_agreements": "Negotiate enforceable agreements with trade unions",
    "joint_interagency_inspections": "Conduct joint inspections in high-risk sectors",
    "review_needs_inform_ta": "Turn needs found in reviews into technical assistance",
    "nationally_owned_needs_assessments": "Lead needs assessments nationally",
    "organized_crime_statistics_capacity": "Build capacity for organized crime statistics",
    "south_south_triangular_cooperation": "Support South-South and triangular cooperation",
    "institutionalize_training_curricula": "Embed training in national academy curricula",
    "evaluate_ta_outcomes": "Evaluate technical assistance by its results",
    "map_coordinate_ta_activities": "Map technical assistance activities publicly",
    "inclusive_national_strategies": "Adopt inclusive national strategies against organized crime",
    "accessible_funding_grassroots_csos": "Make funding accessible to grassroots organizations",
    "voluntary_contributions_ta": "Make voluntary contributions to technical assistance",
    "translate_adapt_ta_tools": "Translate and adapt UNODC tools",
    # the four development sessions of 2024-2025 (ic_2025_cd2, ta_2024_cd2, tip_2025_cd4,
    # som_2025_cd4), appended with --append
    "environmental_crimes_serious_offences": "Make environmental crimes serious offences",
    "multiagency_environmental_task_forces": (
        "Set up multi-agency task forces on environmental crime"
    ),
    "involve_indigenous_local_communities": "Involve Indigenous peoples and local communities",
    "beneficial_ownership_transparency": "Open registers of beneficial owners",
    "joint_anticorruption_organized_crime_assistance": (
        "Plan assistance on corruption and organized crime together"
    ),
    "corruption_risk_safeguards_in_assistance": "Shield assistance programmes from corruption",
    "sustainable_equipment_support": "Keep donated equipment maintained and in use",
    "open_working_group_sessions_to_ngos": "Open Working Group sessions to NGO observers",
    "consult_counterparts_before_requests": "Consult the requested State before sending requests",
    "videoconference_legal_basis_safeguards": (
        "Give video-link hearings a legal basis and safeguards"
    ),
    "use_joint_investigation_teams": "Set up joint investigation teams",
    "recognize_foreign_confiscation_orders": "Enforce foreign freezing and confiscation orders",
    "transparent_accountable_asset_return": "Return confiscated assets transparently",
    "data_protection_cross_border_evidence": "Protect personal data in cross-border cooperation",
    "support_regional_cooperation_networks": "Support regional networks of central authorities",
    "update_competent_authority_directory": "Keep the directory of competent authorities current",
    "cooperation_case_statistics": "Publish statistics on cooperation requests",
    "safe_repatriation_consular_assistance": "Give consular assistance and safe return to victims",
    "cut_scam_compound_infrastructure": "Cut off the connectivity of scam compounds",
    "prosecute_official_complicity": "Prosecute officials complicit in trafficking",
    "share_case_law_sherloc": "Share trafficking case law through SHERLOC",
    "vet_offers_to_displaced_persons": "Vet offers of help to displaced persons",
    "integrate_trafficking_humanitarian_response": (
        "Build anti-trafficking measures into humanitarian response"
    ),
    "wg_take_up_climate_displacement_trafficking": (
        "Devote a session to climate displacement and trafficking"
    ),
    "allow_migrant_workers_change_employer": "Let migrant workers change employer",
    "firewall_labour_immigration_enforcement": (
        "Separate labour inspection from immigration enforcement"
    ),
    "wg_examine_review_findings": "Examine recurring review findings at the Working Group",
    "secure_transport_corridors_carrier_reporting": (
        "Secure freight corridors and let carriers report smuggling"
    ),
    "identify_missing_dead_migrants": "Identify missing and dead migrants and inform families",
    "preserve_removed_content_evidence": "Preserve removed online content as evidence",
    "precise_content_removal_safeguards": "Define content removal duties with safeguards",
    "online_information_regular_pathways": "Inform migrants online about regular pathways",
    "fair_trial_safeguards_migrant_defendants": (
        "Give migrants prosecuted for smuggling a fair trial"
    ),
    "regulate_informal_value_transfer": "License informal value transfer operators",
    "cross_border_confiscation_cooperation": "Answer cross-border confiscation requests promptly",
}

HEADER = """\
# Catalogue of known asks: what recommendations ask for, across sessions.
#
# Each entry is one ask (one cluster id of data/gold/CLUSTERS.md). A new recommendation
# is matched to the ask whose examples it resembles most (pipeline/asks.py); one that
# matches none is a candidate new ask, to be added here by an analyst.
#
# documents: the sessions examples come from (doc_id: working group id of labels.yaml).
# asks, each with
#   id          the cluster id (snake_case); never rename one, append new ones at the end
#   label       a short phrase a reader understands: verb + object
#   definition  one line: what is asked, and of whom
#   themes      theme ids (labels.yaml: themes) the ask usually carries; may be []
#   addressee   addressee id (labels.yaml: addressee_types) it is usually made to
#   examples    recommendations that make this ask, each with
#                 doc_id   the document (session) it comes from: leave-one-session-out
#                          evaluation removes a session's own examples before scoring it
#                 para_no  its paragraph
#                 to       its addressee (labels.yaml: addressee_types)
#                 themes   the themes tagged inside the sentence
#                 text     the whole sentence, as in the paragraph
#
# Seeded by benchmarks/seed_asks.py from the development gold (data/gold); edit freely.
"""


def read_clusters(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = CLUSTER_LINE.match(line)
        if match:
            out[match["id"]] = match["text"]
    return out


def gold_examples(gold: Path) -> list[dict]:
    """Every gold recommendation with its document, paragraph, addressee and the themes the
    tagger finds inside the sentence."""
    from pipeline.build_tagger import build_tagger

    nlp = build_tagger()
    working_groups = {
        p.name.removesuffix(".doc.json"): json.loads(p.read_text(encoding="utf-8"))["working_group"]
        for p in gold.glob("*.doc.json")
    }
    out = []
    for path in sorted(gold.glob("*.paragraphs.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if not row.get("recommendations"):  # a working group report's paragraphs have none
                continue
            doc = nlp.make_doc(row["text"])
            doc._.working_group = working_groups.get(row["doc_id"])
            doc = nlp(doc)
            for rec in row["recommendations"]:
                start = row["text"].find(rec["text"])
                end = start + len(rec["text"])
                themes = [
                    s.label_
                    for s in doc.spans.get("themes", [])
                    if start >= 0 and start <= s.start_char and s.end_char <= end
                ]
                out.append(
                    {
                        "cluster": rec["cluster"],
                        "doc_id": row["doc_id"],
                        "para_no": int(row["para_no"]),
                        "to": rec["to"],
                        "themes": list(dict.fromkeys(themes)),
                        "text": " ".join(rec["text"].split()),
                    }
                )
    return out


def summary(examples: list[dict]) -> tuple[list[str], str]:
    """The themes at least half of the examples carry, and the most frequent addressee."""
    counts = Counter(t for e in examples for t in e["themes"])
    themes = [t for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    themes = [t for t in themes if counts[t] * 2 >= len(examples)]
    to = Counter(e["to"] for e in examples)
    addressee = sorted(to, key=lambda a: (-to[a], a))[0]
    return themes, addressee


def q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return json.dumps(text, ensure_ascii=False)


def render(clusters: dict[str, str], examples: list[dict], groups: dict[str, str]) -> str:
    lines = [HEADER, "documents:"]
    lines += [f"  {doc_id}: {group}" for doc_id, group in sorted(groups.items())]
    lines += ["", "asks:"]
    for ask_id, definition in clusters.items():
        own = [e for e in examples if e["cluster"] == ask_id]
        themes, addressee = summary(own)
        lines += [
            f"  - id: {ask_id}",
            f"    label: {q(LABELS[ask_id])}",
            f"    definition: {q(definition)}",
            f"    themes: [{', '.join(themes)}]",
            f"    addressee: {addressee}",
            "    examples:",
        ]
        for e in own:
            lines += [
                f"      - doc_id: {e['doc_id']}",
                f"        para_no: {e['para_no']}",
                f"        to: {e['to']}",
                f"        themes: [{', '.join(e['themes'])}]",
                f"        text: {q(e['text'])}",
            ]
        lines.append("")
    return "\n".join(lines)


def append(
    text: str, clusters: dict[str, str], examples: list[dict], groups: dict[str, str]
) -> str:
    """asks.yaml's text with the sessions it does not list yet: their examples appended to
    the asks they make, new cluster ids appended as new asks (ruamel keeps the rest as is)."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)  # the layout render() writes
    data = yaml.load(text)
    known = set(data["documents"])
    fresh = [e for e in examples if e["doc_id"] not in known]
    for doc_id in sorted({e["doc_id"] for e in fresh}):
        data["documents"][doc_id] = groups[doc_id]
    by_id = {ask["id"]: ask for ask in data["asks"]}
    for ask_id, definition in clusters.items():
        own = [e for e in fresh if e["cluster"] == ask_id]
        if not own:
            continue
        items = [_example_map(e) for e in own]
        if ask_id in by_id:
            examples = by_id[ask_id]["examples"]
            last = examples[-1]  # the blank line after an ask is a comment of its last key
            gap = last.ca.items.pop(list(last)[-1], None)
            examples.extend(items)
            if gap is not None:
                items[-1].ca.items["text"] = gap
            continue
        themes, addressee = summary(own)
        ask = CommentedMap()
        ask["id"], ask["label"] = ask_id, DoubleQuotedScalarString(LABELS[ask_id])
        ask["definition"] = DoubleQuotedScalarString(definition)
        ask["themes"] = _flow(themes)
        ask["addressee"] = addressee
        ask["examples"] = CommentedSeq(items)
        data["asks"].append(ask)
    out = io.StringIO()
    yaml.dump(data, out)
    text = re.sub(r"\n\n+(  [a-z0-9_]+: [a-z_]+\n)", r"\n\1", out.getvalue())  # documents
    return re.sub(r"(?<![\n:])\n(asks:|  - id: )", r"\n\n\1", text)  # a blank line between asks


def _flow(items: list[str]) -> object:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _example_map(e: dict) -> object:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    item = CommentedMap()
    item["doc_id"], item["para_no"], item["to"] = e["doc_id"], e["para_no"], e["to"]
    item["themes"] = _flow(e["themes"])
    item["text"] = DoubleQuotedScalarString(e["text"])
    return item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "data" / "gold")
    parser.add_argument("--out", type=Path, default=ROOT / "pipeline" / "taxonomy" / "asks.yaml")
    parser.add_argument(
        "--append", action="store_true", help="add only the sessions the catalogue lacks"
    )
    args = parser.parse_args()
    clusters = read_clusters(args.gold / "CLUSTERS.md")
    missing = sorted(set(clusters) - set(LABELS))
    if missing:
        raise SystemExit(f"no label in LABELS for {missing}: write one (verb + object)")
    examples = gold_examples(args.gold)
    unknown = sorted({e["cluster"] for e in examples} - set(clusters))
    if unknown:
        raise SystemExit(f"gold clusters missing from CLUSTERS.md: {unknown}")
    groups = {
        p.name.removesuffix(".doc.json"): json.loads(p.read_text(encoding="utf-8"))["working_group"]
        for p in args.gold.glob("*.doc.json")
    }
    if args.append:
        text = append(args.out.read_text(encoding="utf-8"), clusters, examples, groups)
    else:
        groups = {d: g for d, g in groups.items() if any(e["doc_id"] == d for e in examples)}
        text = render(clusters, examples, groups)
    args.out.write_text(text, encoding="utf-8")
    catalogue = load_taxonomy(args.out.parent, parts=["asks"]).asks  # validates what was written
    print(f"{args.out}: {len(catalogue)} asks, {sum(len(a.examples) for a in catalogue)} examples")


if __name__ == "__main__":
    main()
