// biome-ignore-all assist/source/organizeImports: the page shows the lines from the region on, with their own import
const token = process.env.MCP_TOKEN ?? '';
// #region run
import { formatTerminalReport, runProbe } from '@portcullis/probe';

const report = await runProbe({ url: 'https://mcp.example.com/mcp', tokens: { token } });
if (!report.ok) console.log(formatTerminalReport(report, { colour: false }));
// #endregion run
