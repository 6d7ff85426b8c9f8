/** An embedded sample in a page: the opening marker, the code block, the closing marker. */
export declare const SAMPLE: RegExp;
/** The pages that may embed samples, relative to the repository root. */
export declare function pagesWithSamples(): string[];
/** The code of a sample (a whole file, or one region of it) as a page shows it. */
export declare function sampleCode(file: string, region?: string): string;
/** The page with every embedded sample replaced by the sample's current code. */
export declare function embedSamples(text: string): string;
