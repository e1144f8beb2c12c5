"""Every sentence of the source record is in the graph as structured, typed, sourced data.

Each test asks the real ontology + data (rdflib, SPARQL 1.1) for the facts of one sentence or
field of ``shared/source/000_dda3bc090efb0ee8.txt`` and checks values *and* datatypes, so a fact
left in a string or typed wrongly fails. The last tests check the contract of docs/architecture.md:
every ``evaw:`` term used is declared, labelled, commented and defined; every resource has a
label, a type from the ontology and ``dcterms:source``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, SKOS, XSD

from evawkg.namespaces import ONTOLOGY_IRI, PREFIXES
from evawkg.graph.store import data_file_graph
from evawkg.graph.bundle import default_bundle

ROOT = Path(__file__).resolve().parents[2]
EVAW = Namespace(ONTOLOGY_IRI + "#")
ID = "https://evawkg.example.org/id/"
RECORD = URIRef(ID + "record/58c9d736-2a12-4ff0-86d0-bf8bb7a89f1f")

#: Resources of files this module does not own that break the resource contract, with the reason.


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "evawkg.ttl")


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for source in default_bundle().data_sources():
        graph += data_file_graph(source.path)
    return graph


@pytest.fixture(scope="module")
def graph(ontology: Graph, data: Graph) -> Graph:
    return ontology + data


# SPARQL prefixed names cannot contain an unescaped "/", so "id:country/TH" is written here for
# readability and expanded to a full IRI before the query is parsed.
_ID_NAME = re.compile(r"(?<![\w<:/])id:((?:[A-Za-z0-9_./-]|\\/)*[A-Za-z0-9_-])")


def sparql(text: str) -> str:
    return _ID_NAME.sub(lambda m: "<" + ID + m.group(1).replace("\\/", "/") + ">", text)


def ask(graph: Graph, where: str) -> bool:
    return bool(graph.query(sparql("ASK {" + where + "}"), initNs=PREFIXES).askAnswer)


def rows(graph: Graph, query: str) -> list[tuple]:
    return [tuple(row) for row in graph.query(sparql(query), initNs=PREFIXES)]


def values(graph: Graph, query: str) -> set:
    return {row[0] for row in graph.query(sparql(query), initNs=PREFIXES)}


def iri(path: str) -> URIRef:
    return URIRef(ID + path)


# ---- The record and its publisher ----------------------------------------------------------


def test_record_has_item_id_agency_id_title_icon_and_publisher(graph: Graph) -> None:
    assert rows(graph, f"""
        SELECT ?item ?agency ?title ?icon ?pub ?who WHERE {{
          <{RECORD}> a evaw:InventoryRecord ; evaw:itemId ?item ; evaw:unAgencyId ?agency ;
            dcterms:title ?title ; evaw:iconText ?icon ; dcterms:publisher ?pub ;
            evaw:describesAgency ?who ; dcterms:isPartOf/a evaw:Inventory . }}""") == [(
        Literal("{58C9D736-2A12-4FF0-86D0-BF8BB7A89F1F}"),
        Literal("{3465766B-AB03-4A9D-8F0E-7343B9CC4381}"),
        Literal("United Nations Office on Drugs and Crime", lang="en"),
        Literal("UNODC"),
        iri("organization/un-women"),
        iri("organization/unodc"),
    )]


def test_agency_id_is_not_org_identifier(graph: Graph) -> None:
    assert not ask(graph, "?s org:identifier ?id")
    assert ask(graph, 'id:organization/unodc evaw:unAgencyId "{3465766B-AB03-4A9D-8F0E-7343B9CC4381}"')


def test_banner_address_is_un_womens_headquarters_not_unodcs(graph: Graph) -> None:
    assert ask(graph, """
        id:organization/un-women org:hasPrimarySite ?site .
        ?site evaw:locatedIn id:place/new-york-city ;
              org:siteAddress [ vcard:street-address "220 East 42nd Street" ; vcard:postal-code "10017" ] .""")
    assert not ask(graph, 'id:organization/unodc org:hasSite|org:hasPrimarySite ?s . '
                          '?s org:siteAddress/vcard:street-address "220 East 42nd Street"')


def test_unodc_mail_address_is_dc1_room_613_at_un_headquarters(graph: Graph) -> None:
    assert ask(graph, """
        id:organization/unodc org:hasSite ?site .
        ?site a evaw:Site ; evaw:building "DC1 Building" ; evaw:room "613" ;
              evaw:locatedIn id:place/united-nations-headquarters ;
              org:siteAddress [ vcard:locality "New York" ; vcard:region "NY" ;
                                vcard:postal-code "10017" ; vcard:country-name "USA" ] .
        id:place/united-nations-headquarters evaw:locatedIn id:place/new-york-city .
        id:place/new-york-city evaw:locatedIn id:subdivision/US-NY .""")


# ---- Site banner: the Spotlight Initiative -------------------------------------------------


def test_spotlight_launched_2017_with_over_500_million_usd_from_the_eu(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?launch ?amount ?currency ?verbatim ?date WHERE {
          id:organization/spotlight-initiative evaw:launchDate ?launch ; evaw:qualifiedFunding ?f .
          ?f evaw:funder id:organization/european-union ; evaw:fundingType id:funding-type/initial-investment ;
             evaw:amount ?amount ; evaw:currency ?currency ; evaw:qualifier id:qualifier/over ;
             evaw:verbatimText ?verbatim ; dcterms:date ?date ; dcterms:source ?src .
          FILTER(?src = id:record\\/58c9d736-2a12-4ff0-86d0-bf8bb7a89f1f) }""")
    assert len(result) == 1
    launch, amount, currency, verbatim, date = result[0]
    assert launch == Literal("2017", datatype=XSD.gYear)
    assert amount.datatype == XSD.decimal and amount.toPython() == Decimal(500000000)
    assert currency == Literal("USD")
    assert "over 500 million USD" in str(verbatim)
    assert date == Literal("2017", datatype=XSD.gYear)
    assert ask(graph, "id:organization/european-union evaw:funds id:organization/spotlight-initiative")


def test_spotlight_is_the_secretary_generals_high_impact_initiative_one_of_12(graph: Graph) -> None:
    assert ask(graph, """
        id:organization/spotlight-initiative a evaw:HighImpactInitiative ;
            evaw:championedBy id:organization/un-secretary-general ;
            org:purpose id:topic/ending-violence-against-women-and-girls ;
            dcterms:spatial id:region/world ;
            org:memberOf ?portfolio .
        ?portfolio a evaw:InitiativePortfolio ; evaw:memberCount 12 ;
            evaw:topic id:topic/sustainable-development-goals .""")
    assert ask(graph, 'id:topic/ending-violence-against-women-and-girls skos:altLabel "EVAWG"@en')


def test_spotlight_first_phase_2017_2023_has_34_programmes_in_five_regions(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?begin ?end ?programmes ?regions WHERE {
          ?phase evaw:phaseOf id:organization/spotlight-initiative ; evaw:phaseNumber 1 ;
                 evaw:programmeCount ?programmes ; evaw:regionCount ?regions ;
                 evaw:activityPeriod [ time:hasBeginning/time:inXSDgYear ?begin ; time:hasEnd/time:inXSDgYear ?end ] ;
                 evaw:reportedResult id:outcome/cohered-un-system . }""")
    assert result == [(Literal("2017", datatype=XSD.gYear), Literal("2023", datatype=XSD.gYear),
                       Literal(34), Literal(5))]
    assert result[0][2].datatype == XSD.integer


def test_two_grant_making_programmes_established_with_un_trust_fund_and_wphf(graph: Graph) -> None:
    assert values(graph, """
        SELECT ?fund WHERE {
          ?p a evaw:GrantMakingProgramme ; evaw:programmeCount 2 ;
             evaw:partOfActivity/evaw:phaseOf id:organization/spotlight-initiative ;
             evaw:channelsResourcesTo id:target-group/civil-society ;
             evaw:establishedInCollaborationWith ?fund . }""") == {
        iri("organization/un-trust-fund-to-end-vaw"), iri("organization/wphf")}


def test_one_un_approach_under_resident_coordinators_and_its_results(graph: Graph) -> None:
    assert ask(graph, """
        id:activity/spotlight-initiative-phase-1 evaw:approach id:approach/one-un ;
            prov:qualifiedAssociation [ prov:agent id:organization/un-resident-coordinators ; prov:hadRole id:role/lead ] ;
            evaw:reportedResult id:outcome/leveraged-complementary-expertise , id:outcome/deepened-collaboration ,
                id:outcome/streamlined-operational-processes , id:outcome/stronger-programme-delivery ,
                id:outcome/better-results-for-women-and-girls .""")


def test_spotlight_partner_groups_and_progress_in_response_and_prevention(graph: Graph) -> None:
    groups = values(graph, "SELECT ?g WHERE { id:organization/spotlight-initiative evaw:partnerGroup ?g }")
    assert {iri("target-group/" + s) for s in (
        "governments", "civil-society", "faith-based-and-traditional-leaders", "academic-institutions",
        "media", "private-sector", "local-and-grassroots-organizations", "feminist-and-womens-rights-groups",
    )} <= groups
    assert ask(graph, "id:organization/spotlight-initiative evaw:reportedResult id:outcome/progress-in-response , "
                      "id:outcome/progress-in-prevention ; evaw:approach id:approach/meaningful-engagement-with-civil-society")


def test_nearly_half_of_activity_funds_went_to_civil_society(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?p WHERE { id:activity/spotlight-initiative-phase-1 evaw:hasQuantity ?q ;
            evaw:reportedResult id:outcome/local-ownership , id:outcome/buy-in , id:outcome/sustainability-of-investments .
          ?q a evaw:Share ; evaw:proportion ?p ; evaw:qualifier id:qualifier/nearly ;
             evaw:recipientGroup id:target-group/civil-society . }""")
    assert result == [(Literal("0.5", datatype=XSD.decimal),)]


def test_group_of_friends_has_93_member_states_and_un_foundation_helped_launch_withher(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?n WHERE { id:organization/group-of-friends a evaw:Coalition ; evaw:memberCount ?n ;
            evaw:memberKind id:target-group/member-states ;
            org:purpose id:topic/ending-violence-against-women-and-girls ;
            evaw:partnersWith id:organization/spotlight-initiative . }""")
    assert result == [(Literal(93),)] and result[0][0].datatype == XSD.integer
    assert ask(graph, """
        id:organization/spotlight-initiative evaw:partnersWith id:organization/un-foundation .
        id:organization/un-foundation evaw:helpedLaunch id:organization/withher-fund .
        id:organization/withher-fund evaw:channelsResourcesTo id:target-group/local-and-grassroots-organizations .""")


def test_comprehensive_approach_is_70_to_90_percent_more_effective(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?min ?max ?unit WHERE { id:organization/spotlight-initiative evaw:hasQuantity ?q .
          ?q a evaw:EffectivenessClaim ; evaw:minimumValue ?min ; evaw:maximumValue ?max ; evaw:unitText ?unit ;
             evaw:outcomeMeasured id:outcome/reduced-prevalence-of-vawg ;
             evaw:comparedWith id:approach/siloed-single-pillar . }""")
    assert len(result) == 1
    low, high, unit = result[0]
    assert (low.datatype, high.datatype) == (XSD.decimal, XSD.decimal)
    assert (low.toPython(), high.toPython(), str(unit)) == (Decimal(70), Decimal(90), "percent")


def test_spotlight_areas_of_focus_and_objectives(graph: Graph) -> None:
    areas = values(graph, "SELECT ?a WHERE { id:organization/spotlight-initiative evaw:areaOfFocus ?a . ?a a evaw:AreaOfFocus }")
    assert len(areas) == 6
    assert ask(graph, """id:organization/spotlight-initiative evaw:approach id:approach/whole-of-society ,
        id:approach/alignment-with-national-and-local-priorities ;
        evaw:targetGroup id:target-group/survivors-and-families ;
        evaw:objective id:outcome/enhanced-civic-space , id:outcome/political-will ,
            id:outcome/evawg-at-heart-of-national-development , id:outcome/local-communities-equipped .""")


# ---- UNODC: policy framework, mandate, areas of work, resources ----------------------------


def test_policy_framework_cites_eight_instruments_in_order(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?order ?symbol WHERE {
          id:organization/unodc evaw:hasPolicyFramework ?pf .
          ?pf evaw:hasInstrumentCitation ?c . ?c evaw:citationOrder ?order ; evaw:citedInstrument ?i .
          ?pf evaw:groundedIn ?i .
          OPTIONAL { ?i evaw:symbol ?symbol } } ORDER BY ?order""")
    assert [(int(o), str(s) if s else None) for o, s in result] == [
        (1, "A/RES/52/86"), (2, "A/RES/48/104"), (3, "A/RES/65/228"), (4, "A/RES/65/229"),
        (5, "E/RES/2005/20"), (6, None), (7, "A/RES/68/191"), (8, "A/RES/70/176")]


def test_resolution_2005_20_is_pertinent_to_girls(graph: Graph) -> None:
    assert ask(graph, """
        ?c evaw:citedInstrument id:instrument/e-res-2005-20 ; evaw:citationMarker "(v)" ;
           evaw:pertinentTo id:target-group/girls .
        id:instrument/e-res-2005-20 eli:passed_by id:organization/ecosoc ; eli:date_document "2005-07-22"^^xsd:date ;
           evaw:adoptsInstrument id:instrument/guidelines-child-victims-witnesses .""")


def test_resolution_48_104_adopts_the_declaration_on_20_december_1993(graph: Graph) -> None:
    assert ask(graph, """
        id:instrument/a-res-48-104 a evaw:Resolution ; evaw:symbol "A/RES/48/104" ;
            eli:passed_by id:organization/general-assembly ; eli:date_document "1993-12-20"^^xsd:date ;
            evaw:adoptsInstrument id:instrument/declaration-evaw ;
            evaw:officialDocument <https://undocs.org/en/A/RES/48/104> .
        id:instrument/declaration-evaw a evaw:Declaration .""")


@pytest.mark.parametrize(("resolution", "adopted", "date"), [
    ("a-res-52-86", "model-strategies-vaw", "1997-12-12"),
    ("a-res-65-228", "updated-model-strategies-vaw", "2010-12-21"),
    ("a-res-65-229", "bangkok-rules", "2010-12-21"),
    ("a-res-55-25", "tip-protocol", "2000-11-15"),
    ("a-res-45-110", "tokyo-rules", "1990-12-14"),
])
def test_resolution_adopts_instrument_on_verified_date(graph: Graph, resolution: str, adopted: str, date: str) -> None:
    assert ask(graph, f"""
        id:instrument\\/{resolution} evaw:adoptsInstrument id:instrument\\/{adopted} ;
            eli:passed_by id:organization/general-assembly ; eli:date_document "{date}"^^xsd:date .""")


def test_bangkok_rules_short_title_and_protocol_supplements_untoc(graph: Graph) -> None:
    assert ask(graph, """
        id:instrument/bangkok-rules evaw:shortTitle "Bangkok Rules"@en .
        id:instrument/tip-protocol a evaw:Protocol ; evaw:supplements id:instrument/untoc ;
            eli:first_date_entry_in_force "2003-12-25"^^xsd:date .
        id:instrument/untoc a evaw:Convention .""")


def test_gender_related_killing_symbols_are_normalised_and_record_spelling_kept(graph: Graph) -> None:
    assert ask(graph, """
        id:instrument/a-res-68-191 evaw:symbol "A/RES/68/191" ; eli:date_document "2013-12-18"^^xsd:date ;
            evaw:topic id:topic/gender-related-killing-of-women-and-girls .
        ?c evaw:citedInstrument id:instrument/a-res-68-191 ; evaw:citedAs "A/Res/68/191" .""")
    assert not ask(graph, '?i evaw:symbol ?s FILTER(CONTAINS(?s, "/Res/"))')


def test_unverified_facts_are_left_out(graph: Graph) -> None:
    assert not ask(graph, "id:instrument/a-res-70-176 eli:date_document|dcterms:date ?d")
    assert not ask(graph, "id:instrument/ccpcj-res-18-1 evaw:symbol|dcterms:title|eli:date_document ?x")
    for org in ("unodc", "spotlight-initiative", "un-trust-fund-to-end-vaw", "wphf", "un-foundation",
                "sarpcco", "j-pal", "unvtf"):
        assert not ask(graph, f"id:organization\\/{org} skos:exactMatch ?m FILTER(STRSTARTS(STR(?m), STR(wd:)))")
    assert not ask(graph, "?s owl:sameAs ?o")


def test_unodc_mandate_topics_and_standards(graph: Graph) -> None:
    assert ask(graph, """
        id:organization/unodc evaw:hasMandate ?m .
        ?m evaw:topic id:topic/illicit-drugs , id:topic/crime , id:topic/terrorism ;
           evaw:beneficiaryGroup id:target-group/member-states ; dcterms:references id:instrument/2030-agenda .
        id:instrument/2030-agenda evaw:topic id:topic/peace , id:topic/rule-of-law , id:topic/human-rights ,
           id:topic/development , id:topic/equality , id:topic/good-governance .
        id:organization/unodc evaw:hasAreaOfWork ?rol .
        ?rol evaw:inLineWith id:instrument/un-standards-and-norms-crime-prevention ; evaw:topic id:topic/access-to-justice .""")


def test_unodc_areas_of_work_are_structured(graph: Graph) -> None:
    assert len(values(graph, "SELECT ?a WHERE { id:organization/unodc evaw:hasAreaOfWork ?a . ?a a evaw:AreaOfWork }")) == 10
    assert ask(graph, """
        id:organization/unodc evaw:hasAreaOfWork ?a , ?b , ?c .
        ?a evaw:activityType id:activity-type/research ; evaw:topic id:topic/trafficking-in-persons .
        ?b evaw:onRequest true ; evaw:activityType id:activity-type/legal-advice , id:activity-type/training .
        ?c evaw:targetGroup id:target-group/women-and-children-smuggled .""")


def test_unodc_manages_the_unvtf_which_funds_grassroots_ngos(graph: Graph) -> None:
    assert ask(graph, """
        id:organization/unodc evaw:manages id:organization/unvtf .
        id:organization/unvtf a evaw:TrustFund ; evaw:channelsResourcesTo id:target-group/grassroots-ngos ;
            evaw:beneficiaryGroup id:target-group/sexually-exploited-women-and-girls ;
            evaw:activityType id:activity-type/humanitarian-assistance ; prov:atLocation id:region/world ;
            evaw:establishedBy id:instrument/a-res-64-293 .""")


def test_unodc_resources_page_link(graph: Graph) -> None:
    assert ask(graph, "id:organization/unodc evaw:resourcesPage/schema:url "
                      "<https://www.unodc.org/unodc/en/justice-and-prison-reform/cpcj-tools-gender.html>")


# ---- UNODC measures --------------------------------------------------------------------------


def test_seven_measures_with_month_precision_reporting_periods(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?m ?b ?e WHERE { <%s> evaw:reportsMeasure ?m .
          ?m a evaw:Measure ; evaw:reportedBy id:organization/unodc ; evaw:reportingPeriod ?p .
          ?p a evaw:ReportingPeriod ; time:hasBeginning/time:inXSDgYearMonth ?b ; time:hasEnd/time:inXSDgYearMonth ?e . }""" % RECORD)
    assert len(result) == 7
    assert all(b.datatype == XSD.gYearMonth and e.datatype == XSD.gYearMonth for _, b, e in result)
    assert sorted((str(b), str(e)) for _, b, e in result) == [
        ("2007-07", "2008-01"), ("2007-07", "2008-01"), ("2009-03", "2009-09"), ("2009-10", "2010-02"),
        ("2010-03", "2010-09"), ("2011-03", "2012-01"), ("2013-03", "2014-02")]


def test_november_2009_expert_meeting_in_thailand_pursuant_to_ccpcj_18_1(graph: Graph) -> None:
    assert ask(graph, """
        ?m evaw:activityType id:activity-type/expert-group-meeting ; prov:wasAssociatedWith id:organization/unodc ;
           prov:atLocation id:country/TH , id:place/bangkok ;
           evaw:pursuantTo id:instrument/ccpcj-res-18-1 ;
           evaw:activityPeriod [ time:hasBeginning/time:inXSDgYearMonth "2009-11"^^xsd:gYearMonth ] ;
           evaw:intendedOutput ?rules .
        ?rules evaw:consistentWith id:instrument/smr , id:instrument/tokyo-rules ;
               evaw:topic id:topic/women-in-detention .
        id:instrument/ccpcj-res-18-1 eli:passed_by id:organization/ccpcj ; evaw:adoptedAtSession/evaw:sessionNumber 18 .""")


def test_2013_training_in_south_africa_colombia_kenya_and_durango(graph: Graph) -> None:
    assert ask(graph, """
        ?t evaw:partOfActivity id:activity/unodc-2013-03-training-and-support ;
           evaw:targetGroup id:target-group/judicial-officials , id:target-group/law-enforcement-officers ;
           prov:atLocation id:country/ZA , id:country/CO ; evaw:continuesEarlierWork true .
        ?k prov:atLocation id:country/KE ; prov:generated ?manual .
        ?manual a evaw:Manual ; dcterms:title "Ending Sexual and Gender-based Violence: The Role of the Prosecutors"@en .
        ?d prov:atLocation id:country/MX , id:subdivision/MX-DUR ;
           evaw:beneficiary id:organization/womens-institute-of-durango ; evaw:topic id:topic/strategic-planning .""")


def test_southern_africa_workshop_trained_138_officers_with_sadc_and_sarpcco(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?n ?days WHERE {
          ?w prov:wasAssociatedWith id:organization/unodc-regional-office-southern-africa ;
             evaw:durationInDays ?days ;
             prov:qualifiedAssociation [ prov:agent id:organization/sadc-secretariat ; prov:hadRole id:role/co-organizer ] ,
                                       [ prov:agent id:organization/sarpcco ; prov:hadRole id:role/co-organizer ] ;
             evaw:activityPeriod [ time:hasBeginning/time:inXSDgYearMonth "2011-03"^^xsd:gYearMonth ;
                                   time:hasEnd/time:inXSDgYearMonth "2011-06"^^xsd:gYearMonth ] ;
             evaw:similarTo [ evaw:activityPeriod/time:hasBeginning/time:inXSDgYearMonth "2010-11"^^xsd:gYearMonth ] ;
             evaw:hasParticipationCount ?c .
          ?c evaw:count ?n ; evaw:qualifier id:qualifier/total ; evaw:quantityKind id:quantity-kind/people-trained ;
             evaw:targetGroup id:target-group/law-enforcement-officers .
          id:organization/unodc-regional-office-southern-africa org:unitOf id:organization/unodc . }""")
    assert result == [(Literal(138), Literal(5))] and result[0][0].datatype == XSD.integer
    countries = values(graph, "SELECT ?c WHERE { id:activity/unodc-rosaf-2011-law-enforcement-workshop prov:atLocation ?c }")
    assert countries == {iri("country/" + a2) for a2 in ("BW", "LS", "MZ", "NA", "ZA", "ZW")}
    assert not ask(graph, "id:activity/unodc-rosaf-2011-law-enforcement-workshop prov:wasAssociatedWith id:organization/sarpcco")


def test_2010_publications_and_june_2010_toolkit_launch(graph: Graph) -> None:
    assert ask(graph, """
        ?a prov:wasAssociatedWith id:organization/unodc ; prov:generated ?h , ?c , ?g .
        ?h a evaw:Handbook ; dcterms:title "Handbook on effective police responses towards violence against women"@en .
        ?c a evaw:Curriculum ; evaw:accompanies ?h .
        ?g a evaw:Toolkit ; dcterms:isPartOf id:publication/criminal-justice-assessment-toolkit .
        ?l evaw:activityType id:activity-type/launch ; prov:generated ?t .
        ?t dcterms:issued "2010-06"^^xsd:gYearMonth ;
           schema:url <http://www.unodc.org/documents/human-trafficking/Needs_Assessment_Toolkit_ebook_09-87518_June_2010.pdf> .""")


def test_viet_nam_first_train_the_trainers_session_in_a_one_un_project(graph: Graph) -> None:
    assert ask(graph, """
        ?m prov:atLocation id:country/VN ; evaw:ordinal 1 ;
           evaw:activityType id:activity-type/train-the-trainers ;
           evaw:targetGroup id:target-group/law-enforcement-officers ;
           evaw:topic id:topic/domestic-violence , id:topic/gender-equality ;
           evaw:partOfActivity ?p . ?p a evaw:Project ; evaw:approach id:approach/one-un .""")


def test_rajasthan_initiative_with_j_pal_over_2000_police_and_four_stations(graph: Graph) -> None:
    result = rows(graph, """
        SELECT ?n ?stations WHERE {
          ?i prov:atLocation id:subdivision/IN-RJ ;
             prov:qualifiedAssociation [ prov:agent id:organization/j-pal ; prov:hadRole id:role/partner ] ,
                                       [ prov:agent id:organization/unodc ; prov:hadRole id:role/contributor ] ;
             evaw:hasParticipationCount [ evaw:count ?n ; evaw:qualifier id:qualifier/over ;
                                          evaw:targetGroup id:target-group/police-personnel ] ;
             evaw:hasQuantity [ evaw:count ?stations ; evaw:quantityKind id:quantity-kind/women-police-stations ] . }""")
    assert result == [(Literal(2000), Literal(4))]
    assert ask(graph, 'id:organization/j-pal skos:altLabel "MIT\'s Poverty Action Lab"@en')


def test_juvenile_justice_projects_in_seven_countries_and_global_guidelines_project(graph: Graph) -> None:
    countries = values(graph, """SELECT ?c WHERE { ?p evaw:topic id:topic/juvenile-justice ;
        evaw:status id:status/ongoing , id:status/planned ; evaw:targetGroup id:target-group/girls ; prov:atLocation ?c }""")
    assert countries == {iri("country/" + a2) for a2 in ("AF", "BI", "EG", "HT", "JO", "LB", "YE")}
    assert ask(graph, """?g evaw:implementsInstrument id:instrument/guidelines-child-victims-witnesses ;
        evaw:status id:status/ongoing ; prov:atLocation id:region/world ;
        evaw:targetGroup id:target-group/girl-victims-and-witnesses .""")


def test_every_place_an_activity_names_exists(graph: Graph) -> None:
    missing = values(graph, """SELECT ?p WHERE { ?a a evaw:Activity ; prov:atLocation ?p .
        FILTER NOT EXISTS { ?p rdfs:label ?l } }""")
    assert missing == set()


# ---- Contract: terms and resources -----------------------------------------------------------


def test_every_evaw_term_used_in_data_is_declared_labelled_commented_and_defined(ontology: Graph, data: Graph) -> None:
    used = {term for triple in data for term in triple
            if isinstance(term, URIRef) and str(term).startswith(str(EVAW))}
    problems = []
    for term in sorted(used):
        for prop in (RDF.type, RDFS.label, RDFS.comment, RDFS.isDefinedBy):
            if (term, prop, None) not in ontology:
                problems.append(f"{term} lacks {prop}")
    assert problems == []


def test_every_ontology_term_has_label_comment_and_is_defined_by(ontology: Graph) -> None:
    terms = {s for s in ontology.subjects(RDF.type, None)
             if isinstance(s, URIRef) and str(s).startswith(str(EVAW))}
    assert len(terms) > 100
    for term in terms:
        assert ontology.value(term, RDFS.label) is not None, term
        assert ontology.value(term, RDFS.comment) is not None, term
        assert ontology.value(term, RDFS.isDefinedBy) == URIRef(ONTOLOGY_IRI), term


def test_ontology_header_has_version_and_licence(ontology: Graph) -> None:
    header = URIRef(ONTOLOGY_IRI)
    assert (header, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(header, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.1.0")
    assert str(ontology.value(header, OWL.versionInfo)) == "0.1.0"
    assert ontology.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_every_data_resource_has_label_ontology_type_and_source(ontology: Graph, data: Graph) -> None:
    known_classes = {s for s in ontology.subjects(RDF.type, OWL.Class)}
    known_classes |= {o for o in ontology.objects(None, RDFS.subClassOf) if isinstance(o, URIRef)}
    problems = []
    for subject in {s for s in data.subjects() if isinstance(s, URIRef)}:
        if data.value(subject, RDFS.label) is None and data.value(subject, SKOS.prefLabel) is None:
            problems.append(f"{subject}: no label")
        if not set(data.objects(subject, RDF.type)) & known_classes:
            problems.append(f"{subject}: no type from the ontology")
        if data.value(subject, DCTERMS.source) is None:
            problems.append(f"{subject}: no dcterms:source")
    assert problems == []


def test_resources_from_the_record_cite_it(data: Graph) -> None:
    cited = set(data.subjects(DCTERMS.source, RECORD))
    for path in ("organization/unodc", "organization/spotlight-initiative", "instrument/a-res-48-104",
                 "activity/unodc-rosaf-2011-law-enforcement-workshop", "publication/toolkit-on-gender",
                 "mandate/unodc-policy-framework-vaw", "period/2013-03_2014-02"):
        assert iri(path) in cited, path


# ---- The field vocabulary (issue 16) ---------------------------------------------------------


@pytest.mark.parametrize(("narrower", "broader"), [
    ("topic/female-genital-mutilation", "topic/harmful-practices"),
    ("topic/child-marriage", "topic/harmful-practices"),
    ("topic/harmful-practices", "topic/violence-against-women-and-girls"),
    ("topic/intimate-partner-violence", "topic/violence-against-women-and-girls"),
    ("topic/sexual-violence", "topic/violence-against-women-and-girls"),
    ("topic/online-violence", "topic/violence-against-women-and-girls"),
    ("topic/comprehensive-sexuality-education", "topic/sexual-and-reproductive-health"),
    ("activity-type/legislative-support", "activity-type/technical-assistance"),
    ("activity-type/webinar", "activity-type/outreach"),
    ("target-group/ministries-of-health", "target-group/governments"),
    ("quantity-kind/survivors-served", "quantity-kind/people-reached"),
    ("indicator/sdg-5-3-2", "indicator/sdg-5-3"),
])
def test_field_vocabulary_is_hierarchical(graph: Graph, narrower: str, broader: str) -> None:
    assert (iri(narrower), SKOS.broader, iri(broader)) in graph


def test_field_vocabulary_covers_the_forms_of_violence_and_the_work_reported(graph: Graph) -> None:
    for path in ("topic/trafficking-in-persons", "topic/gender-related-killing-of-women-and-girls",
                 "activity-type/coordination", "activity-type/guidance-development",
                 "activity-type/monitoring", "activity-type/evaluation", "activity-type/research",
                 "activity-type/advocacy", "activity-type/service-provision",
                 "target-group/men-and-boys", "target-group/persons-with-disabilities",
                 "target-group/refugees", "target-group/health-workers",
                 "quantity-kind/people-reached", "quantity-kind/countries", "quantity-kind/attendees",
                 "publication-type/guidance", "publication-type/methodology", "publication-type/tool",
                 "publication-type/report", "activity-level/global", "activity-level/community"):
        assert (iri(path), RDF.type, SKOS.Concept) in graph, path
    assert Literal("femicide", lang="en") in set(graph.objects(iri("topic/gender-related-killing-of-women-and-girls"), SKOS.altLabel))


def test_every_concept_with_a_definition_cites_its_source_and_new_schemes_are_fully_defined(data: Graph) -> None:
    new_schemes = [iri(f"scheme/{s}") for s in ("publication-types", "activity-levels", "measure-types", "indicators")]
    for concept in data.subjects(RDF.type, SKOS.Concept):
        in_new = any((concept, SKOS.inScheme, s) in data for s in new_schemes)
        if in_new or (concept, SKOS.definition, None) in data:
            assert (concept, SKOS.definition, None) in data, concept
            assert all(isinstance(s, URIRef) for s in data.objects(concept, DCTERMS.source)), concept
            assert (concept, DCTERMS.source, None) in data, concept
    defined = {c for c in data.subjects(SKOS.definition, None)}
    assert len(defined) > 100


def test_sdg_codes_are_notations_and_match_the_sdg_kos(graph: Graph) -> None:
    found = dict(rows(graph, """SELECT ?code ?match WHERE {
        ?c a evaw:Indicator ; skos:notation ?code . OPTIONAL { ?c skos:exactMatch ?match } }"""))
    assert set(map(str, found)) == {"5.2", "5.2.1", "5.2.2", "5.3", "5.3.1", "5.3.2"}
    # Targets by their code, indicators by their permanent SDG KOS id (tests/graph/test_concept_matches.py).
    sdg = "http://metadata.un.org/sdg/"
    assert {str(k): v for k, v in found.items() if v is not None} == {
        "5.2": URIRef(sdg + "5.2"), "5.3": URIRef(sdg + "5.3"), "5.2.1": URIRef(sdg + "C050201"),
        "5.2.2": URIRef(sdg + "C050202"), "5.3.1": URIRef(sdg + "C050301"), "5.3.2": URIRef(sdg + "C050302")}
    framework = URIRef("https://undocs.org/en/A/RES/71/313")
    assert (iri("indicator/sdg-5-2-1"), DCTERMS.source, framework) in graph


def test_external_matches_of_the_field_vocabulary_are_to_the_verified_vocabularies(data: Graph) -> None:
    # Which match was read on which page is tested in tests/graph/test_concept_matches.py.
    verified = ("http://metadata.un.org/sdg/", "http://metadata.un.org/thesaurus/", "http://eurovoc.europa.eu/")
    for concept in data.subjects(SKOS.definition, None):
        for match in (*data.objects(concept, SKOS.exactMatch), *data.objects(concept, SKOS.closeMatch)):
            assert str(match).startswith(verified), (concept, match)


def test_inventory_measure_types_are_the_verified_facets(graph: Graph) -> None:
    notations = {str(n) for n in values(graph, "SELECT ?n WHERE { ?c a evaw:MeasureType ; skos:notation ?n }")}
    assert notations == {"measures:66", "measures:68", "measures:69"}


def test_org_class_tree_is_restated_so_every_organisation_is_an_organisation(ontology: Graph) -> None:
    org = Namespace(PREFIXES["org"])
    for cls in (org.FormalOrganization, org.OrganizationalUnit, org.OrganizationalCollaboration):
        assert (cls, RDFS.subClassOf, org.Organization) in ontology
    assert (None, OWL.hasKey, None) not in ontology


# ---- The records of UNFPA, WHO and UNICEF (issue 16): their sentences as typed, sourced facts -----

UNFPA_RECORD = URIRef(ID + "record/unfpa")
WHO_RECORD = URIRef(ID + "record/ea825864-04b1-4b63-aba8-e510f944f252")
UNICEF_RECORD = URIRef(ID + "record/99e41543-71f7-47d4-ab85-616c5b6c5463")


def test_unfpa_vapp_act_adopted_in_20_states_in_2020_bringing_the_total_to_25(graph: Graph) -> None:
    assert rows(graph, """
        SELECT ?part ?partYear ?whole ?asOf WHERE {
          id:activity\\/unfpa-nigeria-vapp-act-states evaw:contributedToAdoption id:instrument\\/ng-vapp-act-2015 ;
            evaw:hasQuantity ?p ; prov:atLocation id:country\\/NG .
          ?p evaw:count ?part ; dcterms:date ?partYear ; evaw:partOfQuantity ?w ;
             evaw:quantityKind id:quantity-kind\\/subnational-areas .
          ?w evaw:count ?whole ; evaw:asOf ?asOf }""") == [
        (Literal(20, datatype=XSD.integer), Literal("2020", datatype=XSD.gYear),
         Literal(25, datatype=XSD.integer), Literal("2020", datatype=XSD.gYear))]
    assert (iri("instrument/ng-vapp-act-2015"), DCTERMS.title,
            Literal("Violence Against Persons Prohibition Act", lang="en")) in graph


def test_unfpa_ending_fgm_programme_counts_since_2008(graph: Graph) -> None:
    found = dict(rows(graph, """
        SELECT ?kind ?count WHERE { id:activity\\/unfpa-ending-fgm-programme (evaw:hasQuantity|evaw:hasParticipationCount) ?q .
          ?q evaw:count ?count ; evaw:quantityKind ?kind ; evaw:referencePeriod id:period\\/2008_open }"""))
    assert found == {iri("quantity-kind/communities"): Literal(30182, datatype=XSD.integer),
                     iri("quantity-kind/population"): Literal(42400000, datatype=XSD.integer),
                     iri("quantity-kind/attendees"): Literal(35900000, datatype=XSD.integer),
                     iri("quantity-kind/people-reached"): Literal(69600000, datatype=XSD.integer)}
    assert ask(graph, "id:period\\/2008_open a evaw:OpenEndedPeriod . FILTER NOT EXISTS { id:period\\/2008_open time:hasEnd ?e }")


def test_unfpa_areas_of_focus_135_countries_43_affected_and_the_investments(graph: Graph) -> None:
    assert rows(graph, """SELECT ?part ?whole WHERE {
        <https://evawkg.example.org/id/mandate/unfpa-aow-vaw-countries#affected-countries> evaw:count ?part ;
            evaw:partOfQuantity/evaw:count ?whole }""") == [(Literal(43, datatype=XSD.integer), Literal(135, datatype=XSD.integer))]
    amounts = {row[0]: row[1] for row in rows(graph, """SELECT ?amount ?currency WHERE {
        id:organization\\/unfpa evaw:hasAreaOfWork/evaw:hasQuantity ?q . ?q evaw:amount ?amount ; evaw:currency ?currency }""")}
    assert amounts == {Literal(Decimal("93000000"), datatype=XSD.decimal): Literal("USD"),
                       Literal(Decimal("505000000"), datatype=XSD.decimal): Literal("USD")}


def test_unfpa_gambia_laws_kept_apart_and_the_amendment_revises_the_womens_act_2010(graph: Graph) -> None:
    assert (iri("instrument/gm-womens-amendment-act-2015"), EVAW.revises, iri("instrument/gm-womens-act-2010")) in graph
    assert (iri("instrument/gm-womens-act-2010"), DCTERMS.title, Literal("Women's Act of 2010", lang="en")) in graph
    for law in ("gm-fgm-law-2015", "gm-womens-amendment-act-2015"):
        assert (iri(f"instrument/{law}"), EVAW.jurisdiction, iri("country/GM")) in graph
        assert (iri(f"instrument/{law}"), DCTERMS.date, Literal("2015", datatype=XSD.gYear)) in graph
        assert (iri(f"instrument/{law}"), DCTERMS.title, None) not in graph  # the record gives none
    assert (iri("instrument/gm-fgm-law-2015"), OWL.sameAs, None) not in graph


def test_who_resolutions_symbols_titles_years_bodies_and_jurisdictions(graph: Graph) -> None:
    found = {str(row[0]): row[1:] for row in rows(graph, """SELECT ?symbol ?date ?body ?place WHERE {
        ?r a evaw:Resolution ; evaw:symbol ?symbol ; eli:passed_by ?body ; evaw:jurisdiction ?place
        OPTIONAL { ?r dcterms:date ?date } FILTER(STRSTARTS(?symbol, "WHA") || CONTAINS(?symbol, "/RC")) }""")}
    assert found["WHA49.25"] == (Literal("1996", datatype=XSD.gYear), iri("organization/world-health-assembly"), iri("region/world"))
    assert found["WHA61.16"][0] == Literal("2008-05", datatype=XSD.gYearMonth)
    assert found["AFR/RC54/R6"] == (Literal("2004", datatype=XSD.gYear), iri("organization/who-regional-committee-for-africa"),
                                    iri("place/who-african-region"))
    assert found["EUR/RC55/10"][0] is None  # the record gives no year
    assert set(found) == {"WHA49.25", "WHA50.19", "WHA56.24", "AFR/RC54/R6", "EUR/RC55/10", "WHA61.16", "WHA67.15", "WHA69.5"}
    # The symbol the record leaves out (WHA61.16) cites the pages where it was verified.
    assert URIRef("https://www.ghwatch.org/node/243.html") in set(graph.objects(iri("instrument/wha61-16"), DCTERMS.source))
    assert (iri("organization/who"), EVAW.governingBody, iri("organization/world-health-assembly")) in graph


def test_who_un_action_knowledge_pillar_and_2015_medico_legal_toolkit(graph: Graph) -> None:
    assert (iri("organization/who"), EVAW.leads, iri("organization/un-action-knowledge-pillar")) in graph
    assert (iri("organization/un-action"), EVAW.memberCount, Literal(13, datatype=XSD.integer)) in graph
    assert rows(graph, """SELECT ?issued WHERE { id:activity\\/who-unodc-medico-legal-toolkit-2015 prov:generated ?t .
        ?t a evaw:Toolkit ; dcterms:publisher id:organization\\/who, id:organization\\/unodc ; dcterms:issued ?issued ;
           dcterms:language "en", "fr" }""") == [(Literal("2015", datatype=XSD.gYear),)]
    # "with support from UNA": the acronym is not spelled out, so no supporter is asserted.
    prov = Namespace(PREFIXES["prov"])
    assert (iri("activity/who-conflict-violence-measurement-methodology"), prov.qualifiedAssociation, None) not in graph


def test_who_afghanistan_nearly_7000_health_providers_and_uganda_3_districts(graph: Graph) -> None:
    assert rows(graph, """SELECT ?count ?q ?kind WHERE { id:activity\\/afghanistan-gbv-health-services
        prov:wasAssociatedWith id:organization\\/ministry-of-public-health-af ; evaw:hasParticipationCount ?n ;
        evaw:implementsInstrument id:instrument\\/af-gbv-treatment-protocol .
        ?n evaw:count ?count ; evaw:qualifier ?q ; evaw:quantityKind ?kind ; evaw:targetGroup id:target-group\\/health-workers }""") == [
        (Literal(7000, datatype=XSD.integer), iri("qualifier/nearly"), iri("quantity-kind/people-targeted"))]
    assert (URIRef(ID + "activity/uganda-health-provider-training#districts"), EVAW["count"], Literal(3, datatype=XSD.integer)) in graph


def test_unicef_ids_mail_address_and_resources_as_published(graph: Graph) -> None:
    assert (UNICEF_RECORD, EVAW.itemId, Literal("{99E41543-71F7-47D4-AB85-616C5B6C5463}")) in graph
    assert (iri("organization/unicef"), EVAW.unAgencyId, Literal("{3F6E1CDD-A339-49A5-A713-A87452ECA02B}")) in graph
    assert rows(graph, """SELECT ?street ?code WHERE { id:organization\\/unicef org:hasSite/org:siteAddress ?a .
        ?a vcard:street-address ?street ; vcard:postal-code ?code }""") == [(Literal("3 United Nations Plaza"), Literal("10017"))]
    # Titles exactly as the page writes them, capitals included.
    assert (iri("publication/multi-country-study-drivers-of-violence-snapshot"), DCTERMS.title, Literal(
        "THE MULTI-COUNTRY STUDY ON THE DRIVERS OF VIOLENCE AFFECTING CHILDREN. A CROSS-COUNTRY SNAPSHOT OF FINDINGS", lang="en")) in graph
    assert set(rows(graph, """SELECT ?creator ?issued WHERE { id:publication\\/gbv-children-youth-disabilities-toolkit-2016
        dcterms:creator ?creator ; dcterms:issued ?issued }""")) == {
        (iri("organization/womens-refugee-commission"), Literal("2016", datatype=XSD.gYear)),
        (iri("organization/childfund-international"), Literal("2016", datatype=XSD.gYear))}


def test_unicef_2014_and_2015_evidence_and_the_32_studies(graph: Graph) -> None:
    assert (iri("publication/hidden-in-plain-sight-2014"), DCTERMS.title,
            Literal("Hidden in Plain Sight: A Statistical Analysis of Violence against Children", lang="en")) in graph
    assert rows(graph, """SELECT ?count ?kind WHERE { id:activity\\/unicef-evidence-on-violence-against-children evaw:hasQuantity ?q .
        ?q evaw:count ?count ; evaw:quantityKind ?kind ; evaw:referencePeriod id:period\\/2015_2015 }""") == [
        (Literal(32, datatype=XSD.integer), iri("quantity-kind/studies"))]
    assert rows(graph, """SELECT ?role WHERE { id:activity\\/unicef-structural-determinants-study-2015 prov:qualifiedAssociation ?a .
        ?a prov:agent id:organization\\/university-of-cape-town ; prov:hadRole ?role }""") == [(iri("role/implementer"),)]


def test_new_records_resources_cite_them(data: Graph) -> None:
    for record, paths in ((UNFPA_RECORD, ("organization/unfpa", "activity/unfpa-cse-webinar", "instrument/ng-vapp-act-2015",
                                          "mandate/unfpa-aow-advocacy-policy", "period/2008_open")),
                          (WHO_RECORD, ("organization/who", "instrument/wha69-5", "activity/who-sdg-5-2-indicators-2014",
                                        "publication/medico-legal-response-toolkit-2015", "period/2014_2014")),
                          (UNICEF_RECORD, ("organization/unicef", "instrument/unicef-mtsp-2006-2009",
                                           "activity/unicef-humanitarian-gbv-2015", "period/2015_2015"))):
        cited = set(data.subjects(DCTERMS.source, record))
        for path in paths:
            assert iri(path) in cited, (record, path)


def test_concepts_added_for_the_new_records_are_defined_sourced_and_placed(graph: Graph) -> None:
    assert (iri("target-group/health-managers"), SKOS.broader, iri("target-group/health-workers")) in graph
    for concept in ("target-group/health-managers", "quantity-kind/population", "quantity-kind/studies"):
        assert (iri(concept), SKOS.definition, None) in graph, concept
        assert (iri(concept), DCTERMS.source, None) in graph, concept
    # The concepts proposed with the held-out UNHCR record are not added: it stays held out.
    for held_out in ("target-group/stateless-persons", "target-group/persons-of-concern", "qualifier/about"):
        assert (iri(held_out), RDF.type, SKOS.Concept) not in graph
