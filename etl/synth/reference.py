"""Static reference data of the synthetic Goiás world: municipalities, agencies, segments, catalog, names.

Municipality names and Receita (SIAFI/TOM) codes come from the official Receita `Municipios` table
(../shared/data/formats/cnpj_receita/cnpj-data-pipeline_fixtures/MUNICCSV.csv); IBGE codes are the real
ones (checked against a public IBGE list). CNAE codes and descriptions come from the official `Cnaes`
table; natureza jurídica and qualificação codes from the official tables.
"""

from __future__ import annotations

from typing import NamedTuple


class Municipality(NamedTuple):
    name: str  # as PNCP writes it (accents)
    receita: str  # Receita/SIAFI code (Estabelecimentos.municipio, tabmun codigo_tom)
    receita_name: str  # as the Receita Municipios table writes it
    ibge: str
    ddd: str
    cep_lo: int  # CEP range (first five digits) used for addresses
    cep_hi: int
    weight: float  # share of the state's economic activity in the synthetic world


MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("Goiânia", "9373", "GOIANIA", "5208707", "62", 74000, 74899, 40.0),
    Municipality("Anápolis", "9221", "ANAPOLIS", "5201108", "62", 75000, 75149, 8.0),
    Municipality("Aparecida de Goiânia", "9227", "APARECIDA DE GOIANIA", "5201405", "62", 74900, 74999, 8.0),
    Municipality("Rio Verde", "9571", "RIO VERDE", "5218805", "64", 75900, 75909, 5.0),
    Municipality("Luziânia", "9445", "LUZIANIA", "5212501", "61", 72800, 72899, 2.5),
    Municipality("Valparaíso de Goiás", "1066", "VALPARAISO DE GOIAS", "5221858", "61", 72870, 72879, 2.0),
    Municipality("Trindade", "9625", "TRINDADE", "5221403", "62", 75380, 75389, 2.0),
    Municipality("Formosa", "9361", "FORMOSA", "5208004", "61", 73800, 73814, 1.5),
    Municipality("Senador Canedo", "9753", "SENADOR CANEDO", "5220454", "62", 75250, 75264, 2.0),
    Municipality("Catalão", "9301", "CATALAO", "5205109", "64", 75700, 75709, 2.0),
    Municipality("Itumbiara", "9425", "ITUMBIARA", "5211503", "64", 75500, 75534, 2.0),
    Municipality("Jataí", "9433", "JATAI", "5211909", "64", 75800, 75809, 1.5),
    Municipality("Caldas Novas", "9289", "CALDAS NOVAS", "5204508", "64", 75690, 75694, 1.5),
    Municipality("Goianésia", "9371", "GOIANESIA", "5208608", "62", 76380, 76384, 1.0),
    Municipality("Mineiros", "9459", "MINEIROS", "5213103", "64", 75830, 75834, 1.0),
    Municipality("Inhumas", "9395", "INHUMAS", "5210000", "62", 75400, 75404, 1.0),
    Municipality("Goiás", "9377", "GOIAS", "5208905", "62", 76600, 76604, 0.7),
    Municipality("Pirenópolis", "9543", "PIRENOPOLIS", "5217302", "62", 72980, 72984, 0.5),
    Municipality("Uruaçu", "9633", "URUACU", "5221601", "62", 76400, 76404, 0.8),
    Municipality("Porangatu", "9555", "PORANGATU", "5218003", "62", 76550, 76554, 0.8),
    Municipality("Quirinópolis", "9563", "QUIRINOPOLIS", "5218508", "64", 75860, 75864, 0.8),
    Municipality("Morrinhos", "9473", "MORRINHOS", "5213806", "64", 75650, 75654, 0.7),
    Municipality("Cristalina", "9325", "CRISTALINA", "5206206", "61", 73850, 73854, 0.7),
    Municipality("Novo Gama", "1058", "NOVO GAMA", "5215231", "61", 72860, 72864, 0.8),
    Municipality("Planaltina", "9595", "PLANALTINA", "5217609", "61", 73750, 73754, 0.8),
    Municipality("Niquelândia", "9489", "NIQUELANDIA", "5214606", "62", 76420, 76424, 0.5),
    Municipality("São Luís de Montes Belos", "9599", "SAO LUIS DE MONTES BELOS", "5220108", "64", 76100, 76104, 0.5),
)

UF_NAME = "Goiás"

# Buying agencies of the state of Goiás (names of real state bodies; CNPJs are synthetic).
# (name, sigla, natureza jurídica, poderId, unit names (sede first), service area keys)
AGENCIES: tuple[tuple[str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("SECRETARIA DE ESTADO DA SAUDE", "SES", "1023", "E",
     ("SES - SEDE ADMINISTRATIVA", "SES - HOSPITAL ESTADUAL DE ANAPOLIS", "SES - HOSPITAL ESTADUAL DE JATAI",
      "SES - CENTRAL DE MEDICAMENTOS DE ALTO CUSTO", "SES - HOSPITAL ESTADUAL DE ITUMBIARA"),
     ("health", "office", "cleaning", "food", "it_goods")),
    ("SECRETARIA DE ESTADO DA EDUCACAO", "SEDUC", "1023", "E",
     ("SEDUC - SEDE", "SEDUC - COORDENACAO REGIONAL DE ANAPOLIS", "SEDUC - COORDENACAO REGIONAL DE RIO VERDE",
      "SEDUC - COORDENACAO REGIONAL DE CATALAO"),
     ("food", "office", "furniture", "it_goods", "cleaning", "uniforms")),
    ("SECRETARIA DE ESTADO DA SEGURANCA PUBLICA", "SSP", "1023", "E",
     ("SSP - SEDE", "SSP - SUPERINTENDENCIA DE POLICIA TECNICO-CIENTIFICA"),
     ("vehicles", "fuel", "office", "it_goods", "uniforms")),
    ("POLICIA MILITAR DO ESTADO DE GOIAS", "PMGO", "1023", "E",
     ("PMGO - COMANDO GERAL", "PMGO - COMANDO REGIONAL DE ANAPOLIS", "PMGO - COMANDO REGIONAL DE RIO VERDE"),
     ("vehicles", "fuel", "uniforms", "food")),
    ("CORPO DE BOMBEIROS MILITAR DO ESTADO DE GOIAS", "CBMGO", "1023", "E",
     ("CBMGO - COMANDO GERAL", "CBMGO - COMANDO REGIONAL DE LUZIANIA"),
     ("vehicles", "fuel", "uniforms", "health")),
    ("SECRETARIA DE ESTADO DA ADMINISTRACAO", "SEAD", "1023", "E",
     ("SEAD - SEDE", "SEAD - SUPERINTENDENCIA DE PATRIMONIO"),
     ("office", "it_services", "cleaning", "security", "furniture")),
    ("SECRETARIA DE ESTADO DA ECONOMIA", "ECONOMIA", "1023", "E",
     ("ECONOMIA - SEDE", "ECONOMIA - DELEGACIA FISCAL DE ANAPOLIS"),
     ("it_services", "it_goods", "office")),
    ("SECRETARIA DE ESTADO DE DESENVOLVIMENTO SOCIAL", "SEDS", "1023", "E",
     ("SEDS - SEDE", "SEDS - RESTAURANTE CIDADAO"), ("food", "cleaning", "office")),
    ("DIRETORIA-GERAL DE ADMINISTRACAO PENITENCIARIA", "DGAP", "1023", "E",
     ("DGAP - SEDE", "DGAP - COMPLEXO PRISIONAL DE APARECIDA DE GOIANIA"), ("food", "cleaning", "uniforms")),
    ("AGENCIA GOIANA DE INFRAESTRUTURA E TRANSPORTES - GOINFRA", "GOINFRA", "1112", "E",
     ("GOINFRA - SEDE", "GOINFRA - REGIONAL DE RIO VERDE", "GOINFRA - REGIONAL DE PORANGATU"),
     ("engineering", "vehicles", "fuel", "office")),
    ("DEPARTAMENTO ESTADUAL DE TRANSITO DE GOIAS - DETRAN-GO", "DETRAN", "1112", "E",
     ("DETRAN - SEDE", "DETRAN - CIRETRAN DE ANAPOLIS"), ("it_services", "office", "vehicles", "security")),
    ("UNIVERSIDADE ESTADUAL DE GOIAS", "UEG", "1112", "E",
     ("UEG - REITORIA", "UEG - CAMPUS CENTRAL", "UEG - UNIDADE DE MORRINHOS"),
     ("office", "it_goods", "furniture", "cleaning", "engineering")),
    ("AGENCIA GOIANA DE HABITACAO - AGEHAB", "AGEHAB", "1112", "E",
     ("AGEHAB - SEDE",), ("engineering", "office")),
    ("AGENCIA GOIANA DE DEFESA AGROPECUARIA - AGRODEFESA", "AGRODEFESA", "1112", "E",
     ("AGRODEFESA - SEDE", "AGRODEFESA - REGIONAL DE JATAI"), ("vehicles", "fuel", "health", "office")),
    ("FUNDACAO DE AMPARO A PESQUISA DO ESTADO DE GOIAS - FAPEG", "FAPEG", "1147", "E",
     ("FAPEG - SEDE",), ("office", "it_goods")),
    ("FUNDACAO JOSE LUIZ DE OLIVEIRA SANTOS NETO - FJLO", "FJLO", "1147", "E",
     ("FJLO - SEDE",), ("office", "food")),
    ("TRIBUNAL DE JUSTICA DO ESTADO DE GOIAS", "TJGO", "1082", "J",
     ("TJGO - DIRETORIA ADMINISTRATIVA", "TJGO - COMARCA DE ANAPOLIS"),
     ("it_services", "security", "cleaning", "furniture")),
    ("ASSEMBLEIA LEGISLATIVA DO ESTADO DE GOIAS", "ALEGO", "1058", "L",
     ("ALEGO - DIRETORIA ADMINISTRATIVA",), ("office", "it_goods", "food", "security")),
)

# Supplier market segments: CNAE principal, secondary CNAEs, words used in company names, object nature.
SEGMENTS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "health": ("4644301", ("4645101", "4649408"), ("MEDICAMENTOS", "DISTRIBUIDORA HOSPITALAR", "FARMA", "MEDICAL")),
    "office": ("4761003", ("4751201", "4789099"), ("PAPELARIA", "SUPRIMENTOS", "COMERCIAL", "DISTRIBUIDORA")),
    "cleaning": ("4649408", ("4789005", "8121400"), ("LIMPEZA", "HIGIENE", "SANEANTES", "CONSERVACAO")),
    "food": ("4639701", ("5620101",), ("ALIMENTOS", "GENEROS ALIMENTICIOS", "ATACADISTA", "REFEICOES")),
    "it_goods": ("4651601", ("4751201",), ("INFORMATICA", "TECNOLOGIA", "TECH", "SISTEMAS")),
    "it_services": ("6209100", ("6204000",), ("TECNOLOGIA DA INFORMACAO", "SOFTWARE", "DATA", "SISTEMAS")),
    "furniture": ("4754701", ("3101200",), ("MOVEIS", "MOBILIARIO", "INTERIORES", "DECORACOES")),
    "uniforms": ("1412601", ("4781400", "4642701"), ("CONFECCOES", "UNIFORMES", "TEXTIL", "FARDAMENTOS")),
    "vehicles": ("4520001", ("4530703",), ("AUTO CENTER", "MECANICA", "AUTOPECAS", "VEICULOS")),
    "fuel": ("4731800", (), ("POSTO", "COMBUSTIVEIS", "PETROLEO", "AUTO POSTO")),
    "engineering": ("4120400", ("4211101", "4399199", "4321500", "4330404"),
                    ("CONSTRUTORA", "ENGENHARIA", "CONSTRUCOES", "EMPREENDIMENTOS")),
    "security": ("8011101", ("8129000",), ("VIGILANCIA", "SEGURANCA", "SERVICOS", "PROTECAO")),
}

CNAE_DESCRIPTIONS: dict[str, str] = {
    "4644301": "Comércio atacadista de medicamentos e drogas de uso humano",
    "4645101": "Comércio atacadista de instrumentos e materiais para uso médico, cirúrgico, hospitalar e de laboratórios",
    "4649408": "Comércio atacadista de produtos de higiene, limpeza e conservação domiciliar",
    "4761003": "Comércio varejista de artigos de papelaria",
    "4751201": "Comércio varejista especializado de equipamentos e suprimentos de informática",
    "4789099": "Comércio varejista de outros produtos não especificados anteriormente",
    "4789005": "Comércio varejista de produtos saneantes domissanitários",
    "8121400": "Limpeza em prédios e em domicílios",
    "4639701": "Comércio atacadista de produtos alimentícios em geral",
    "5620101": "Fornecimento de alimentos preparados preponderantemente para empresas",
    "4651601": "Comércio atacadista de equipamentos de informática",
    "6209100": "Suporte técnico, manutenção e outros serviços em tecnologia da informação",
    "6204000": "Consultoria em tecnologia da informação",
    "4754701": "Comércio varejista de móveis",
    "3101200": "Fabricação de móveis com predominância de madeira",
    "1412601": "Confecção de peças de vestuário, exceto roupas íntimas e as confeccionadas sob medida",
    "4781400": "Comércio varejista de artigos do vestuário e acessórios",
    "4642701": "Comércio atacadista de artigos do vestuário e acessórios, exceto profissionais e de segurança",
    "4520001": "Serviços de manutenção e reparação mecânica de veículos automotores",
    "4530703": "Comércio a varejo de peças e acessórios novos para veículos automotores",
    "4731800": "Comércio varejista de combustíveis para veículos automotores",
    "4120400": "Construção de edifícios",
    "4211101": "Construção de rodovias e ferrovias",
    "4399199": "Serviços especializados para construção não especificados anteriormente",
    "4321500": "Instalação e manutenção elétrica",
    "4330404": "Serviços de pintura de edifícios em geral",
    "8011101": "Atividades de vigilância e segurança privada",
    "8129000": "Atividades de limpeza não especificadas anteriormente",
}

NATUREZAS: dict[str, str] = {
    "2062": "Sociedade Empresária Limitada",
    "2135": "Empresário (Individual)",
    "2305": "Empresa Individual de Responsabilidade Limitada (de Natureza Empresária)",
    "2054": "Sociedade Anônima Fechada",
    "2240": "Sociedade Simples Limitada",
    "1023": "Órgão Público do Poder Executivo Estadual ou do Distrito Federal",
    "1112": "Autarquia Estadual ou do Distrito Federal",
    "1147": "Fundação Pública de Direito Público Estadual ou do Distrito Federal",
    "1058": "Órgão Público do Poder Legislativo Estadual ou do Distrito Federal",
    "1082": "Órgão Público do Poder Judiciário Estadual",
}

QUALIFICACOES: dict[str, str] = {
    "00": "Não informada",
    "05": "Administrador",
    "10": "Diretor",
    "16": "Presidente",
    "22": "Sócio",
    "49": "Sócio-Administrador",
    "50": "Empresário",
    "65": "Titular Pessoa Física Residente ou Domiciliado no Brasil",
}

MOTIVOS: dict[str, str] = {
    "00": "SEM MOTIVO",
    "01": "EXTINCAO POR ENCERRAMENTO LIQUIDACAO VOLUNTARIA",
    "63": "OMISSAO DE DECLARACOES",
    "71": "INAPTIDAO (LEI 11.941/2009 ART.54)",
}

PAISES: dict[str, str] = {"105": "BRASIL"}


class CatalogItem(NamedTuple):
    code: str  # CATMAT (materials) / CATSER (services) code
    description: str
    unit: str  # unidadeMedida as buyers write it
    kind: str  # M | S
    nature: str  # goods | services | engineering | works | vehicle_maintenance | special_services
    segment: str
    price: float  # median unit price, R$
    sigma: float  # log-normal dispersion of the fair price between buyers
    qty: tuple[int, int]  # quantity range
    ncm: str | None


CATALOG: tuple[CatalogItem, ...] = (
    CatalogItem("461779", "PAPEL A4, GRAMATURA 75 G/M2, 210 X 297 MM, BRANCO", "Resma", "M", "goods", "office", 27.5, 0.12, (50, 2000), "48025610"),
    CatalogItem("279314", "CANETA ESFEROGRAFICA, TINTA AZUL, CORPO TRANSPARENTE", "Unidade", "M", "goods", "office", 1.35, 0.2, (200, 5000), "96081000"),
    CatalogItem("232310", "GRAMPEADOR DE MESA, CAPACIDADE 25 FOLHAS", "Unidade", "M", "goods", "office", 32.0, 0.2, (10, 200), "84729010"),
    CatalogItem("150964", "TONER PARA IMPRESSORA LASER, PRETO, RENDIMENTO 3.000 PAGINAS", "Unidade", "M", "goods", "office", 185.0, 0.25, (10, 300), "84439933"),
    CatalogItem("341218", "PASTA SUSPENSA, CARTAO KRAFT, COM GRAMPO PLASTICO", "Unidade", "M", "goods", "office", 2.8, 0.2, (100, 3000), "48203000"),
    CatalogItem("267666", "DIPIRONA SODICA 500 MG/ML, SOLUCAO INJETAVEL, AMPOLA 2 ML", "Ampola", "M", "goods", "health", 1.1, 0.25, (1000, 50000), "30049069"),
    CatalogItem("268196", "AMOXICILINA 500 MG, CAPSULA", "Cápsula", "M", "goods", "health", 0.32, 0.25, (5000, 200000), "30041012"),
    CatalogItem("271061", "SORO FISIOLOGICO, CLORETO DE SODIO 0,9%, FRASCO 500 ML", "Frasco", "M", "goods", "health", 4.9, 0.2, (1000, 40000), "30049099"),
    CatalogItem("437483", "LUVA DE PROCEDIMENTO, LATEX, TAMANHO M, CAIXA COM 100", "Caixa", "M", "goods", "health", 29.0, 0.25, (100, 5000), "40151900"),
    CatalogItem("269942", "SERINGA DESCARTAVEL 5 ML, SEM AGULHA", "Unidade", "M", "goods", "health", 0.42, 0.2, (5000, 100000), "90183119"),
    CatalogItem("438367", "MASCARA CIRURGICA DESCARTAVEL, TRIPLA CAMADA", "Unidade", "M", "goods", "health", 0.28, 0.3, (5000, 200000), "63079010"),
    CatalogItem("328710", "INSULINA HUMANA NPH 100 UI/ML, FRASCO 10 ML", "Frasco", "M", "goods", "health", 24.0, 0.2, (200, 10000), "30043100"),
    CatalogItem("315487", "DETERGENTE LIQUIDO NEUTRO, FRASCO 500 ML", "Frasco", "M", "goods", "cleaning", 2.6, 0.2, (100, 5000), "34022000"),
    CatalogItem("315488", "AGUA SANITARIA, HIPOCLORITO DE SODIO 2,5%, GALAO 5 L", "Galão", "M", "goods", "cleaning", 11.5, 0.2, (50, 2000), "28289011"),
    CatalogItem("376521", "PAPEL HIGIENICO FOLHA DUPLA, ROLO 30 M, PACOTE COM 4", "Pacote", "M", "goods", "cleaning", 7.9, 0.2, (200, 10000), "48181000"),
    CatalogItem("217950", "SACO PARA LIXO 100 L, PRETO, PACOTE COM 100", "Pacote", "M", "goods", "cleaning", 42.0, 0.25, (50, 2000), "39232190"),
    CatalogItem("24066", "SERVICO DE LIMPEZA E CONSERVACAO PREDIAL, COM FORNECIMENTO DE MATERIAIS", "Mês", "S", "services", "cleaning", 48000.0, 0.3, (12, 12), None),
    CatalogItem("463412", "ARROZ AGULHINHA TIPO 1, PACOTE 5 KG", "Pacote", "M", "goods", "food", 27.0, 0.15, (200, 10000), "10063021"),
    CatalogItem("463413", "FEIJAO CARIOCA TIPO 1, PACOTE 1 KG", "Quilograma", "M", "goods", "food", 8.2, 0.15, (500, 20000), "07133399"),
    CatalogItem("463890", "CARNE BOVINA, PATINHO, CONGELADA", "Quilograma", "M", "goods", "food", 39.0, 0.15, (500, 20000), "02023000"),
    CatalogItem("464012", "OLEO DE SOJA REFINADO, GARRAFA 900 ML", "Unidade", "M", "goods", "food", 7.5, 0.15, (200, 10000), "15079011"),
    CatalogItem("463921", "LEITE UHT INTEGRAL, CAIXA 1 L", "Litro", "M", "goods", "food", 5.2, 0.15, (1000, 50000), "04012010"),
    CatalogItem("3352", "FORNECIMENTO DE REFEICOES PRONTAS, TIPO MARMITEX", "Refeição", "S", "services", "food", 17.5, 0.2, (5000, 200000), None),
    CatalogItem("451896", "COMPUTADOR DESKTOP, PROCESSADOR 8 NUCLEOS, 16 GB RAM, SSD 512 GB", "Unidade", "M", "goods", "it_goods", 4800.0, 0.18, (5, 300), "84715010"),
    CatalogItem("451897", "NOTEBOOK 14 POLEGADAS, 16 GB RAM, SSD 512 GB", "Unidade", "M", "goods", "it_goods", 5600.0, 0.18, (5, 200), "84713012"),
    CatalogItem("150685", "MONITOR LED 24 POLEGADAS, FULL HD", "Unidade", "M", "goods", "it_goods", 890.0, 0.18, (5, 300), "85285200"),
    CatalogItem("443690", "IMPRESSORA MULTIFUNCIONAL LASER MONOCROMATICA", "Unidade", "M", "goods", "it_goods", 2300.0, 0.2, (2, 60), "84433111"),
    CatalogItem("27502", "SUPORTE TECNICO E SUSTENTACAO DE SISTEMAS DE INFORMACAO", "Mês", "S", "services", "it_services", 65000.0, 0.3, (12, 12), None),
    CatalogItem("26077", "LICENCA DE USO DE SOFTWARE DE GESTAO, COM SUPORTE", "Unidade", "S", "services", "it_services", 1200.0, 0.3, (10, 500), None),
    CatalogItem("27472", "SERVICO DE DESENVOLVIMENTO DE SOFTWARE, POR PONTO DE FUNCAO", "Ponto de função", "S", "services", "it_services", 620.0, 0.25, (100, 5000), None),
    CatalogItem("215436", "CADEIRA GIRATORIA, ESPALDAR MEDIO, COM BRACOS", "Unidade", "M", "goods", "furniture", 780.0, 0.2, (10, 300), "94013090"),
    CatalogItem("215437", "MESA DE ESCRITORIO EM MDP, 1,20 X 0,60 M", "Unidade", "M", "goods", "furniture", 690.0, 0.2, (10, 200), "94033000"),
    CatalogItem("215438", "ARMARIO DE ACO, 2 PORTAS, 4 PRATELEIRAS", "Unidade", "M", "goods", "furniture", 1150.0, 0.2, (5, 100), "94031000"),
    CatalogItem("223489", "CONJUNTO ESCOLAR ALUNO, CARTEIRA E CADEIRA, TAMANHO 6", "Conjunto", "M", "goods", "furniture", 320.0, 0.18, (50, 3000), "94017900"),
    CatalogItem("333640", "CAMISETA MALHA PV, MANGA CURTA, COM ESTAMPA", "Unidade", "M", "goods", "uniforms", 24.0, 0.2, (200, 20000), "61091000"),
    CatalogItem("333641", "FARDAMENTO OPERACIONAL, GANDOLA E CALCA, RIPSTOP", "Conjunto", "M", "goods", "uniforms", 210.0, 0.2, (50, 5000), "62034200"),
    CatalogItem("333642", "COTURNO TATICO EM COURO, CANO ALTO", "Par", "M", "goods", "uniforms", 265.0, 0.2, (50, 3000), "64039190"),
    CatalogItem("2771", "SERVICO DE MANUTENCAO PREVENTIVA E CORRETIVA DE VEICULOS LEVES", "Hora", "S", "vehicle_maintenance", "vehicles", 115.0, 0.2, (200, 3000), None),
    CatalogItem("237416", "PNEU 175/70 R14, RADIAL", "Unidade", "M", "vehicle_maintenance", "vehicles", 420.0, 0.18, (8, 400), "40111000"),
    CatalogItem("237418", "PASTILHA DE FREIO DIANTEIRA, VEICULO LEVE", "Jogo", "M", "vehicle_maintenance", "vehicles", 145.0, 0.2, (10, 300), "68138110"),
    CatalogItem("244566", "GASOLINA COMUM", "Litro", "M", "goods", "fuel", 6.1, 0.06, (5000, 300000), "27101259"),
    CatalogItem("244567", "OLEO DIESEL S10", "Litro", "M", "goods", "fuel", 6.0, 0.06, (5000, 300000), "27101921"),
    CatalogItem("244568", "ETANOL HIDRATADO COMBUSTIVEL", "Litro", "M", "goods", "fuel", 4.2, 0.08, (5000, 200000), "22071090"),
    CatalogItem("1627", "REFORMA DE EDIFICACAO PUBLICA, CONFORME PROJETO BASICO", "Serviço", "S", "works", "engineering", 850000.0, 0.5, (1, 1), None),
    CatalogItem("1643", "PAVIMENTACAO ASFALTICA EM CBUQ, INCLUSIVE IMPRIMACAO", "Metro quadrado", "S", "works", "engineering", 95.0, 0.25, (2000, 60000), None),
    CatalogItem("1651", "MANUTENCAO PREDIAL PREVENTIVA E CORRETIVA", "Mês", "S", "engineering", "engineering", 38000.0, 0.3, (12, 12), None),
    CatalogItem("1660", "INSTALACAO ELETRICA DE BAIXA TENSAO, COM FORNECIMENTO DE MATERIAL", "Serviço", "S", "engineering", "engineering", 42000.0, 0.4, (1, 1), None),
    CatalogItem("1672", "PINTURA PREDIAL INTERNA E EXTERNA", "Metro quadrado", "S", "engineering", "engineering", 28.0, 0.25, (500, 20000), None),
    CatalogItem("23647", "SERVICO DE VIGILANCIA ARMADA, POSTO 12 X 36 HORAS", "Posto", "S", "services", "security", 14500.0, 0.2, (2, 40), None),
    CatalogItem("23655", "SERVICO DE VIGILANCIA ELETRONICA, MONITORAMENTO 24 HORAS", "Mês", "S", "services", "security", 9800.0, 0.25, (12, 12), None),
)

OBJECT_BY_SEGMENT: dict[str, str] = {
    "health": "AQUISICAO DE MEDICAMENTOS E INSUMOS HOSPITALARES",
    "office": "AQUISICAO DE MATERIAL DE EXPEDIENTE",
    "cleaning": "AQUISICAO DE MATERIAL DE LIMPEZA E HIGIENE",
    "food": "AQUISICAO DE GENEROS ALIMENTICIOS",
    "it_goods": "AQUISICAO DE EQUIPAMENTOS DE INFORMATICA",
    "it_services": "CONTRATACAO DE SERVICOS DE TECNOLOGIA DA INFORMACAO",
    "furniture": "AQUISICAO DE MOBILIARIO",
    "uniforms": "AQUISICAO DE UNIFORMES E FARDAMENTOS",
    "vehicles": "CONTRATACAO DE SERVICOS DE MANUTENCAO DE VEICULOS, COM FORNECIMENTO DE PECAS",
    "fuel": "AQUISICAO DE COMBUSTIVEIS",
    "engineering": "CONTRATACAO DE SERVICOS DE ENGENHARIA",
    "security": "CONTRATACAO DE SERVICOS DE VIGILANCIA",
}

FIRST_NAMES: tuple[str, ...] = (
    "JOSE", "JOAO", "ANTONIO", "FRANCISCO", "CARLOS", "PAULO", "PEDRO", "LUCAS", "LUIZ", "MARCOS",
    "GABRIEL", "RAFAEL", "DANIEL", "MARCELO", "BRUNO", "EDUARDO", "FELIPE", "RODRIGO", "MATEUS", "ANDRE",
    "FERNANDO", "FABIO", "LEONARDO", "GUSTAVO", "GUILHERME", "RICARDO", "WESLEY", "WANDERSON", "DIEGO", "THIAGO",
    "MARIA", "ANA", "FRANCISCA", "ANTONIA", "ADRIANA", "JULIANA", "MARCIA", "FERNANDA", "PATRICIA", "ALINE",
    "SANDRA", "CAMILA", "AMANDA", "BRUNA", "JESSICA", "LETICIA", "JULIA", "LUCIANA", "VANESSA", "MARIANA",
    "CRISTIANE", "SIMONE", "RENATA", "KARINA", "TATIANE", "LORENA", "RAQUEL", "DEBORA", "ELIANE", "CLAUDIA",
)
SURNAMES: tuple[str, ...] = (
    "SILVA", "SANTOS", "OLIVEIRA", "SOUZA", "RODRIGUES", "FERREIRA", "ALVES", "PEREIRA", "LIMA", "GOMES",
    "COSTA", "RIBEIRO", "MARTINS", "CARVALHO", "ALMEIDA", "LOPES", "SOARES", "FERNANDES", "VIEIRA", "BARBOSA",
    "ROCHA", "DIAS", "NASCIMENTO", "ANDRADE", "MOREIRA", "NUNES", "MARQUES", "MACHADO", "MENDES", "FREITAS",
    "CARDOSO", "RAMOS", "GONCALVES", "SANTANA", "TEIXEIRA", "ARAUJO", "PINTO", "BORGES", "CAIADO", "REZENDE",
    "FONSECA", "PEIXOTO", "MIRANDA", "BATISTA", "CAMPOS", "QUEIROZ", "MACEDO", "AGUIAR", "TAVARES", "BRITO",
)
NAME_STEMS: tuple[str, ...] = (
    "ALFA", "NOVA", "CENTRO OESTE", "GOIAS", "CERRADO", "PLANALTO", "ARAGUAIA", "VALE", "BRASIL CENTRAL",
    "ANHANGUERA", "PRIME", "REAL", "UNIAO", "ESTRELA", "MASTER", "TOP", "SOL", "PIONEIRA", "IMPERIAL",
    "ATLANTA", "ORIENTE", "MERIDIONAL", "BANDEIRANTE", "TOCANTINS", "PARANAIBA", "MEIA PONTE", "SERRA DOURADA",
    "JARAGUA", "DOURADOS", "ALVORADA", "HORIZONTE", "CRISTAL", "DIAMANTE", "SAFIRA", "OURO VERDE", "CAPITAL",
    "GOIANA", "VITORIA", "CONFIANCA", "PRECISA", "EXATA", "MAXIMA", "GLOBAL", "NACIONAL", "TRIUNFO", "AGIL",
)
STREETS: tuple[tuple[str, str], ...] = (
    ("RUA", "1"), ("RUA", "7"), ("RUA", "9"), ("RUA", "15"), ("RUA", "24"), ("RUA", "T-37"), ("RUA", "T-63"),
    ("RUA", "C-139"), ("RUA", "DAS ORQUIDEAS"), ("RUA", "DOS BURITIS"), ("RUA", "JOAO DE ABREU"),
    ("AVENIDA", "ANHANGUERA"), ("AVENIDA", "T-9"), ("AVENIDA", "REPUBLICA DO LIBANO"), ("AVENIDA", "GOIAS"),
    ("AVENIDA", "BRASIL"), ("AVENIDA", "INDEPENDENCIA"), ("AVENIDA", "PRESIDENTE JUSCELINO KUBITSCHEK"),
    ("AVENIDA", "RIO VERDE"), ("AVENIDA", "CASTELO BRANCO"), ("ALAMEDA", "DOS ANJOS"), ("ALAMEDA", "RICARDO PARANHOS"),
    ("RODOVIA", "GO-060 KM 3"), ("RUA", "MINAS GERAIS"), ("RUA", "BAHIA"), ("AVENIDA", "PERIMETRAL NORTE"),
)
DISTRICTS: tuple[str, ...] = (
    "CENTRO", "SETOR BUENO", "SETOR OESTE", "SETOR MARISTA", "SETOR CENTRAL", "JARDIM GOIAS", "SETOR SUL",
    "VILA NOVA", "SETOR AEROPORTO", "JARDIM AMERICA", "SETOR COIMBRA", "PARQUE AMAZONIA", "CIDADE JARDIM",
    "SETOR PEDRO LUDOVICO", "VILA BRASILIA", "JUNDIAI", "JARDIM PRESIDENTE", "SETOR NORTE FERROVIARIO",
)
EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br", "uol.com.br")

CEIS_AUTHORITIES: tuple[tuple[str, str, str], ...] = (
    ("SECRETARIA DE ESTADO DA ADMINISTRACAO - GO", "GO", "ESTADUAL"),
    ("CONTROLADORIA-GERAL DO ESTADO DE GOIAS", "GO", "ESTADUAL"),
    ("PREFEITURA MUNICIPAL DE GOIANIA - GO", "GO", "MUNICIPAL"),
    ("TRIBUNAL DE CONTAS DO ESTADO DE GOIAS", "GO", "ESTADUAL"),
    ("MINISTERIO DA SAUDE", "DF", "FEDERAL"),
    ("PREFEITURA MUNICIPAL DE ANAPOLIS - GO", "GO", "MUNICIPAL"),
)
