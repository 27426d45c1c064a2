/**
 * "Ignore / forget the previous instructions" in Spanish, Portuguese, Italian, French, German, Dutch,
 * Chinese, Japanese and Korean (patterns.ts `override_translated`), on the accent-folded text.
 */
export const TRANSLATED_OVERRIDE = [
  '\\b(?:ignora|ignore|ignorar|ignoren|olvida|olvide|olviden|olvidate|esquece|esqueca|descarta|descarte|omite|dimentica|dimenticate|non considerare|tralascia|haz caso omiso (?:a|de))\\b[^.\\n]{0,25}\\b(?:instrucciones|indicaciones|instrucoes|istruzioni|indicazioni|directivas|diretrizes|direttive|reglas|regras|regole|ordenes|ordens)\\b[^.\\n]{0,12}\\b(?:anteriores|previas|previos|precedenti|originales|originais|originali|iniciales|iniciais|iniziali)\\b',
  "\\b(?:ignore|ignorez|oublie|oubliez|ne tiens pas compte des|ne tenez pas compte des)\\b[^.\\n]{0,25}\\b(?:instructions|consignes|directives|regles)\\b[^.\\n]{0,12}\\b(?:precedentes|anterieures|initiales|d'origine|originales)\\b",
  '\\b(?:ignoriere|ignorieren sie|ignoriert|vergiss|vergessen sie|missachte|missachten sie)\\b[^.\\n]{0,25}\\b(?:vorherigen|vorigen|bisherigen|fruheren|ursprunglichen|obigen|vorangegangenen)\\b[^.\\n]{0,12}\\b(?:anweisungen|instruktionen|anordnungen|regeln|vorgaben|befehle)\\b',
  '\\b(?:negeer|vergeet)\\b[^.\\n]{0,25}\\b(?:vorige|eerdere|voorgaande|oorspronkelijke)\\b[^.\\n]{0,12}\\b(?:instructies|regels|opdrachten)\\b',
  '(?:忽略|无视|無視|忘记|忘記|忘掉|不要理会|不要理會)[^。\\n]{0,8}(?:之前|以前|先前|上面|上述|此前|原来|原來|原先)[^。\\n]{0,6}(?:指令|指示|说明|說明|规则|規則|提示)',
  '(?:以前|前|これまで|上記|元)の(?:指示|命令|ルール|指令|プロンプト)[^。\\n]{0,6}(?:を無視|を忘れ|は無視)',
  '(?:이전|앞의|기존|원래)[^.\\n]{0,6}(?:지시|지침|명령|규칙)[^.\\n]{0,10}(?:무시|잊어)',
].join('|');

/** Anchor words and literals of TRANSLATED_OVERRIDE. */
export const TRANSLATED_OVERRIDE_ANCHORS: [words: string, literals?: string[]] = [
  'instrucciones indicaciones instrucoes istruzioni indicazioni directivas diretrizes direttive reglas regras regole ordenes ordens instructions consignes directives regles anweisungen instruktionen anordnungen regeln vorgaben befehle instructies regels opdrachten',
  [
    '指令',
    '指示',
    '说明',
    '說明',
    '规则',
    '規則',
    '提示',
    '命令',
    'ルール',
    'プロンプト',
    '지시',
    '지침',
    '명령',
    '규칙',
  ],
];
