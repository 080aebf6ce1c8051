"""The default plan: the Kashiwazaki 目標指標 (docs/rules.md, The default plan)."""

from skillapp.metrics.models import (
    ALL,
    ASSESSMENT_PASS_RATE,
    SURVEY_SHARE,
    TRAINING_COUNT,
)
from skillapp.roster.bands import MANAGEMENT, STAFF, SUPERVISOR

YEARS = (2026, 2027, 2028, 2029)

# code, No., name, kind, settings, {band: targets for YEARS}
DEFAULT_INDICATORS = [
    (
        "improvement_experience",
        1,
        "RPA・オンライン申請・デジタルツールやデータの活用で業務の仕組みを改善した経験のある職員の割合",
        SURVEY_SHARE,
        {},
        {STAFF: (30, 35, 38, 40)},
    ),
    (
        "training_participants",
        2,
        "データ分析や生成AIなどデジタルツールに関する研修の参加人数（年度計・延べ人数）",
        TRAINING_COUNT,
        {"categories": ["データ分析", "生成AI", "デジタルツール"]},
        {ALL: (100, 110, 120, 130)},
    ),
    (
        "ebpm_practice",
        3,
        "政策立案や評価でEBPMやKPI分析を活用している職員の割合",
        SURVEY_SHARE,
        {},
        {
            MANAGEMENT: (45, 50, 53, 55),
            SUPERVISOR: (25, 30, 33, 35),
            STAFF: (22, 27, 30, 32),
        },
    ),
    (
        "assessment_pass_rate",
        4,
        "DX・サービスデザイン思考・EBPMなどの用語を理解している職員の割合（DXリテラシー確認テスト70点以上）",
        ASSESSMENT_PASS_RATE,
        {"assessment": "dx-literacy", "pass_mark": 70},
        {
            MANAGEMENT: (20, 25, 30, 35),
            SUPERVISOR: (18, 23, 28, 30),
            STAFF: (15, 20, 23, 25),
        },
    ),
]
