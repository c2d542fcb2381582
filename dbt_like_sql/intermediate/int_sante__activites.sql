-- Every activity of a profession the observatory follows, with its profession group and its
-- commune in the target COG. Placement: the site's commune code (current COG, arrondissements
-- to their city); when it is missing, the postcode when it serves exactly one commune (La Poste
-- base, latest edition) and is not a CEDEX code; otherwise the activity is quarantined with the
-- reason. Professions: médecins généralistes (savoir-faire SM26, SM53, SM54), médecins
-- spécialistes (any other savoir-faire), infirmiers (60, 69), masseurs-kinésithérapeutes (70),
-- chirurgiens-dentistes (40), sages-femmes (50), pharmaciens (21), civilians only (military
-- doctors do not serve the public); other professions are out of scope and not listed.
-- grain: one row per millesime x source_row
-- columns:
--   millesime: year of the extraction
--   source_row: line of the activity in the file
--   identifiant: national identifier of the person
--   profession: medecin_generaliste, medecin_specialiste, infirmier, masseur_kinesitherapeute, chirurgien_dentiste, sage_femme or pharmacien
--   specialite: savoir-faire label (for specialists)
--   mode_exercice: L libéral, S salarié, B bénévole
--   code_secteur_activite: sector of the site
--   code_commune: commune of the target COG (NULL when quarantined)
--   methode_placement: code commune or code postal
--   raison_quarantaine: why the activity could not be placed (NULL when placed)
with parametres as (
    select cast(prm.valeur as integer) as millesime_cog
    from meta.parametres as prm
    where prm.nom = 'cog_millesime'
),

activites as (
    select
        ann.*,
        case
            -- a doctor with any general-practice savoir-faire is a GP on all their rows
            when ann.code_profession = '10' and bool_or(
                ann.code_savoir_faire in ('SM26', 'SM53', 'SM54')
            ) over (partition by ann.millesime, ann.identifiant)
                then 'medecin_generaliste'
            when ann.code_profession = '10' then 'medecin_specialiste'
            when ann.code_profession in ('60', '69') then 'infirmier'
            when ann.code_profession = '70' then 'masseur_kinesitherapeute'
            when ann.code_profession = '40' then 'chirurgien_dentiste'
            when ann.code_profession = '50' then 'sage_femme'
            when ann.code_profession = '21' then 'pharmacien'
        end as profession
    from staging.stg_ans__annuaire_sante as ann
    where coalesce(ann.code_categorie, 'C') = 'C'
),

postes as (
    -- postcodes serving exactly one commune of the target COG (latest La Poste edition)
    select cp.code_postal, min(pas.code_commune) as code_commune,
        count(distinct pas.code_commune) as nb_communes
    from staging.stg_laposte__codes_postaux as cp
    inner join intermediate.int_cog__passage_communes as pas
        on cp.code_commune = pas.code_source
        and coalesce(pas.annee_geographie, cp.millesime) = cp.millesime
    where cp.millesime = (select max(c.millesime) from staging.stg_laposte__codes_postaux as c)
        and pas.code_commune is not null
    group by cp.code_postal
),

places as (
    select
        act.*,
        pas.code_commune as commune_par_code,
        pas.code_source as code_reconnu,
        pos.code_commune as commune_par_poste,
        pos.nb_communes,
        coalesce(act.bureau_cedex ilike '%cedex%', false) as cedex
    from activites as act
    left join intermediate.int_cog__passage_communes as pas
        on act.code_commune = pas.code_source
        and coalesce(pas.annee_geographie, act.millesime) = act.millesime
    left join postes as pos on act.code_postal = pos.code_postal
    where act.profession is not null
)

select
    pla.millesime,
    pla.source_row,
    pla.identifiant,
    pla.profession,
    case
        when pla.profession = 'medecin_specialiste' and coalesce(pla.code_type_savoir_faire, 'S') = 'S'
            then pla.libelle_savoir_faire
    end as specialite,
    pla.mode_exercice,
    pla.code_secteur_activite,
    case
        when pla.commune_par_code is not null then pla.commune_par_code
        when pla.code_commune is null and not pla.cedex and pla.nb_communes = 1
            then pla.commune_par_poste
    end as code_commune,
    case
        when pla.commune_par_code is not null then 'code commune'
        when pla.code_commune is null and not pla.cedex and pla.nb_communes = 1
            then 'code postal'
    end as methode_placement,
    case
        when pla.commune_par_code is not null then null
        when pla.code_commune is not null and pla.code_reconnu is null
            then 'commune code unknown to the target COG'
        when pla.code_commune is not null then 'commune code cannot be placed in the target COG'
        when pla.code_postal is null then 'no activity address (no commune, no postcode)'
        when pla.cedex then 'CEDEX postcode: not a commune''s'
        when pla.nb_communes = 1 then null
        when pla.nb_communes > 1 then 'postcode serving several communes'
        else 'postcode unknown to La Poste''s base'
    end as raison_quarantaine
from places as pla
