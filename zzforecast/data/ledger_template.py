"""Write the empty Excel monthly-ledger template (月度台账) economists fill in.

The layout (sheets, Chinese headers) is in ``ledger_layout.py``; the importer that reads a
filled-in template back is ``ledger.py``. Growth is entered in percent, as bulletins print
it; the instructions sheet says so in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from ..exceptions import UserError
from .ledger_layout import (
    ANNUAL_HEADERS,
    ANNUAL_SHEET,
    CODES_SHEET,
    INSTRUCTIONS_SHEET,
    MONTHLY_HEADERS,
    MONTHLY_SHEET,
)
from .schemas import INDICATORS, UNIT_FACTORS
from .writing import atomic_write, os_problem

__all__ = ["write_ledger_template"]

# The workbook's creation date is fixed so that the same registry writes the same bytes.
_WORKBOOK_DATE = dt.datetime(2017, 8, 17)

def write_ledger_template(path: str | Path, clusters: pd.DataFrame | None = None) -> Path:
    """Write the empty Excel ledger template with Chinese headers and instructions.

    Parameters
    ----------
    path : str or path-like
        Destination ``.xlsx`` (overwritten).
    clusters : pandas.DataFrame, optional
        The cluster registry; when given, a ``集聚区代码`` sheet lists codes and names and
        the code column offers them as a drop-down list.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    indicator_list = ",".join(ind.name_zh for ind in INDICATORS.values())
    unit_list = ",".join(dict.fromkeys(u for spec in UNIT_FACTORS.values() for u in spec))
    widths = (14, 26, 22, 10, 14, 12, 8, 10, 28, 12)

    n_codes = len(clusters) if clusters is not None else 0
    last_row = 5000  # drop-down lists cover rows 2..last_row
    for sheet_name, headers in ((MONTHLY_SHEET, MONTHLY_HEADERS), (ANNUAL_SHEET, ANNUAL_HEADERS)):
        ws = wb.create_sheet(sheet_name)
        ws.append(list(headers))
        for col, width in enumerate(widths, start=1):
            cell = ws.cell(row=1, column=col)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center")
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = "A2"
        validations = [
            ("C", indicator_list, "指标", "请选择指标 (fai/iav/revenue/employment 亦可)"),
            ("G", unit_list, "单位", "亿元、万元、元 (金额) 或 万人、人 (人数)"),
            ("H", "现价,可比价,无", "价格口径", "增速的价格口径: 工业增加值为可比价, 投资为现价"),
        ]
        for column, options, title, prompt in validations:
            dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True,
                                showErrorMessage=False, showInputMessage=True,
                                promptTitle=title, prompt=prompt)
            dv.add(f"{column}2:{column}{last_row}")
            ws.add_data_validation(dv)
        if n_codes:
            ref = f"{quote_sheetname(CODES_SHEET)}!$A$2:$A${n_codes + 1}"
            dv = DataValidation(type="list", formula1=ref, allow_blank=True,
                                showErrorMessage=False)
            dv.add(f"A2:A{last_row}")
            ws.add_data_validation(dv)
        # column formats (not cell formats, which would make empty rows look used): text
        # keeps 2017-07 from turning into a date
        ws.column_dimensions["D"].number_format = "@"
        ws.column_dimensions["J"].number_format = "@"
        ws.column_dimensions["F"].number_format = "0.0"

    ws = wb.create_sheet(INSTRUCTIONS_SHEET)
    ws.column_dimensions["A"].width = 120
    for line in _INSTRUCTIONS:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)

    if n_codes:
        ws = wb.create_sheet(CODES_SHEET)
        ws.append(["集聚区代码", "集聚区名称", "级别"])
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
        for _, row in clusters.iterrows():
            level = {"provincial": "省级产业集聚区", "municipal": "市级工业专业园区"}.get(
                row["level"], row["level"])
            ws.append([row["cluster_id"], row["name_zh"], level])
            for cell in ws[ws.max_row]:  # a name such as '=HYPERLINK(...)' stays text
                if cell.data_type == "f":
                    cell.data_type = "s"
        for col, width in zip("ABC", (22, 30, 18), strict=True):
            ws.column_dimensions[col].width = width

    wb.properties.creator = "zzforecast"
    wb.properties.created = _WORKBOOK_DATE
    wb.properties.modified = _WORKBOOK_DATE
    # Saved atomically: a full disk or a killed process leaves the old file whole.
    buffer = io.BytesIO()
    failed = None
    try:
        wb.save(buffer)  # openpyxl spools sheets through temporary files
    except OSError as exc:
        raise os_problem(path, exc) from None
    except Exception as exc:
        # With lxml installed, a spool file that cannot be written (full disk, ulimit -f)
        # surfaces as lxml's SerialisationError (IO_ENOSPC, IO_EFBIG), not as an OSError.
        if type(exc).__name__ != "SerialisationError":
            raise
        failed = str(exc)
    if failed is not None:
        _collect_quietly()
        raise UserError(f"{path}: the workbook could not be written ({failed}: the disk is "
                        "full or a file-size limit is set); the existing file is untouched")
    return atomic_write(path, buffer.getvalue(), make_parents=True)


def _collect_quietly() -> None:
    """Collect the half-written workbook's writers now: closing them repeats the same disk
    error, which Python would otherwise print as an 'Exception ignored' traceback."""
    import gc
    import sys

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


_INSTRUCTIONS = (
    "产业集聚区月度台账 填写说明 (zzforecast monthly ledger)",
    "",
    "1. 「月度台账」每行填一个集聚区、一个指标、一个月份的 1-当月累计数;「年度数据」每行填一个年份的全年数。",
    "   One row per cluster, indicator and month (year-to-date) or year.",
    "2. 集聚区代码: 使用「集聚区代码」表 (或 data/clusters.csv) 中的代码, 如 airport; 集聚区名称可选, 填写时须与代码一致。",
    "3. 指标: 固定资产投资、规模以上工业增加值、规模以上工业主营业务收入、从业人员 (也可填 fai、iav、revenue、employment)。",
    "4. 月份: YYYY-MM, 如 2017-07 表示 1-7月累计。每年第一期为 1-2月, 填 YYYY-02; 不填 1 月。年份: YYYY。",
    "   The first monthly release is January-February (YYYY-02); there is no January row.",
    "5. 1-当月累计值 / 全年值: 数值, 单位见「单位」列 (亿元、万元、元; 从业人员为 万人、人)。同一序列须用同一单位。",
    "6. 累计增速(%) / 全年增速(%): 按百分数填写, 8.3 表示增长 8.3% (导入时除以 100)。",
    "   单元格若设为 Excel 百分比格式 (显示 8.3%, 存储 0.083), 按百分比读取。",
    "   Growth is in percent (8.3 = 8.3%); zzforecast divides by 100. Excel percent-formatted cells are read as shown.",
    "7. 价格口径: 增速的价格口径。规模以上工业增加值增速为可比价 (按可比价格计算); 投资与主营业务收入增速为现价。累计值一律为现价。",
    "8. 数据来源: 如 郑州市统计局月报; 发布日期: YYYY-MM-DD (该数据发布的日期)。",
    "9. 只填数值: 不要使用公式 (请「选择性粘贴 → 数值」), 不要合并单元格, 不要改动工作表名称和表头, 不要在表头上方插入行。",
    "   No formulas (paste values), no merged cells, keep sheet names and headers, header in row 1.",
    "10. 检查并导入 (check and import):",
    "    zzforecast validate --ledger 台账.xlsx",
    "    zzforecast validate --ledger 台账.xlsx --write-observations data/observations.csv --force",
    "    错误信息会指出工作表、行号和列名。Each problem names the sheet, row and column header.",
)
