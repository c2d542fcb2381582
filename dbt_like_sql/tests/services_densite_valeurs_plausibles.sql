-- Densities are well formed: counts and densities are not negative, shares are in [0, 1], and a
-- territory never has more equipped communes than communes.
-- asset: marts.services__densite
select den.niveau, den.code_territoire, den.millesime, den.type_agregat, den.code_agregat
from marts.services__densite as den
left join marts.territoires as ter
    on den.niveau = ter.niveau and den.code_territoire = ter.code_territoire
where
    den.nb_equipements < 0
    or den.pour_10000_hab < 0
    or den.part_population_commune_equipee not between 0 and 1
    or den.nb_communes_equipees > ter.nb_communes
