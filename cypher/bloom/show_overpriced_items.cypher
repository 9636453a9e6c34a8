// Bloom: items an agency bought at two or more times the median other agencies pay for the same item
// class and unit, with the tender and the supplier.
// @phrase Itens com sobrepreço no órgão $orgao
// @description Itens pagos a 2 vezes ou mais a mediana que outros órgãos pagam pela mesma classe de item e unidade
// @param orgao string               name, CNPJ or id of the agency
// @suggest orgao Agency.name
MATCH (ag:Agency)
WHERE ag.name = $orgao OR ag.cnpj = $orgao OR ag.id = $orgao
MATCH p = (ag)-[:PUBLISHED]->(t:Tender)-[:HAS_ITEM]->(i:Item)-[aw:AWARDED]->(:Supplier)
WHERE i.item_class IS NOT NULL AND aw.unit_value > 0
CALL {
  WITH i, t
  MATCH (pt:Tender)-[:HAS_ITEM]->(o:Item {item_class: i.item_class})-[pa:AWARDED]->(:Supplier)
  WHERE o.unit = i.unit AND pt.agency_id <> t.agency_id AND pa.unit_value > 0
  RETURN percentileCont(pa.unit_value, 0.5) AS mediana, count(pa) AS pares
}
WITH p, aw, mediana, pares
WHERE pares >= 3 AND aw.unit_value >= 2 * mediana
RETURN p
LIMIT 300
